/**
 * The traversals: converge a stack to its template (create and update are one walk: each resource is
 * created, left alone, updated in place or replaced, after everything it requires) and delete a stack
 * (the reversed graph). Every transition is a stored resource row and an event, written in batches by the
 * Persister. Nested stacks (provider templates, OS::Heat::Stack, groups, chains) are walked recursively;
 * an unchanged nested resource is not descended into, which is what makes a no-op update cheap.
 */
import { randomUUID } from 'node:crypto';
import type { Json } from '../template/types.js';
import type { ResourceRecord, StackAction, StackRecord, StackStatus, StacksRepo, StackTemplate } from '../../store/stacks.js';
import type { Logger } from '../../daemon/logging.js';
import type { AgentPort, ServerPort } from '../ports.js';
import type { AnyPlugin, CheckResult, ConfigStore, NestedView, Outcome, ResourceContext, ResourceSnapshot, SignalStore } from '../resources/types.js';
import { isUpdateAllowed, validatorFor, describeErrors } from '../resources/common.js';
import { PropertiesInvalidError } from '../resources/errors.js';
import { Graph } from '../graph/graph.js';
import { runGraph, sleep, type Semaphore } from './scheduler.js';
import type { Persister } from './persister.js';
import { buildRuntime, pluginForDef, pluginForRecord, requirementsOf, snapshotOf, type StackRuntime } from './runtime.js';
import { resolve, resolveCond } from './templates.js';
import { ActionTimeoutError, NestingTooDeepError, UnresolvedPropertiesError } from './errors.js';
import { EVENT_RESOURCE, EVENT_STACK, stateName } from './states.js';
import { isUndercloudError } from '../../errors.js';

export interface WalkerOptions {
  resourceTimeoutSeconds: number;
  maxNestedDepth: number;
  pollMaxMs: number;
}

export interface WalkerDeps {
  repo: StacksRepo;
  persister: Persister;
  log: Logger;
  servers: ServerPort;
  agent: AgentPort;
  configs: ConfigStore;
  waitSignals: SignalStore;
  semaphore: Semaphore;
  /** Aborted when the daemon shuts down: work stops without marking anything failed, so a restart resumes it. */
  shutdown: AbortSignal;
  options: WalkerOptions;
}

type Action = 'CREATE' | 'UPDATE';

export class Walker {
  private readonly linked = new WeakMap<AbortSignal, Set<AbortController>>();

  constructor(private readonly d: WalkerDeps) {}

  /** Brings a stack to its template; returns its outputs. */
  async converge(rt: StackRuntime, action: Action, signal: AbortSignal): Promise<Record<string, Json>> {
    this.stackState(rt.record, action, 'IN_PROGRESS', `Stack ${action} started`);
    try {
      const graph = Graph.fromRequirements(rt.active.map((n) => [n, requirementsOf(rt, n)]));
      await runGraph(graph, (n) => this.convergeResource(rt, n, action, signal), signal);
      const obsolete = [...rt.records.values()].filter((r) => !rt.activeSet.has(r.name));
      if (obsolete.length > 0) await this.deleteRecords(rt.record, obsolete, signal, rt.records);
      const outputs = this.outputsOf(rt);
      this.stackState(rt.record, action, 'COMPLETE', `Stack ${action} completed successfully`, outputs);
      return outputs;
    } catch (err) {
      if (!this.d.shutdown.aborted) this.stackState(rt.record, action, 'FAILED', reasonOf(err, signal));
      throw err;
    }
  }

  /** Deletes every resource of a stack (children first), then the stack. */
  async deleteStack(stack: StackRecord, signal: AbortSignal): Promise<void> {
    this.stackState(stack, 'DELETE', 'IN_PROGRESS', 'Stack DELETE started');
    try {
      this.d.persister.flush();
      const records = this.d.repo.resources(stack.id);
      await this.deleteRecords(stack, records, signal);
      this.stackState(stack, 'DELETE', 'COMPLETE', 'Stack DELETE completed successfully');
      this.d.persister.flush();
      this.d.repo.deleteStack(stack.id);
    } catch (err) {
      if (!this.d.shutdown.aborted) this.stackState(stack, 'DELETE', 'FAILED', reasonOf(err, signal));
      throw err;
    }
  }

  private outputsOf(rt: StackRuntime): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const o of Object.values(rt.def.outputs)) {
      if (o.condition !== undefined && resolveCond(o.condition, rt.ctx) !== true) continue;
      try {
        out[o.name] = resolve(o.value, rt.ctx) ?? null;
      } catch (err) {
        this.d.log.warn('output could not be resolved', { stack: rt.record.name, output: o.name, error: (err as Error).message });
        out[o.name] = null;
      }
    }
    return out;
  }

  private async convergeResource(rt: StackRuntime, name: string, action: Action, signal: AbortSignal): Promise<void> {
    const def = rt.def.resources[name]!;
    const plugin = pluginForDef(def);
    const type = def.providerTemplate ? def.type : def.resolvedType;
    const requires = requirementsOf(rt, name);
    const position = rt.positions.get(name) ?? 0;
    const existing = rt.records.get(name);
    let props: Record<string, Json>;
    try {
      props = this.resolveProps(rt, name, plugin);
    } catch (err) {
      const rec = existing ?? this.newRecord(rt, name, type, requires, position, def.deletionPolicy);
      rec.action = existing?.action ?? 'CREATE';
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
    if (existing && existing.type === type && existing.action !== 'DELETE') {
      // Bookkeeping that is not a change of the resource (order, requirements, deletion policy) is saved quietly.
      const quiet = existing.position !== position || existing.deletionPolicy !== def.deletionPolicy || !sameJson(existing.requires, requires);
      if (quiet) Object.assign(existing, { position, deletionPolicy: def.deletionPolicy, requires });
      if (existing.status === 'COMPLETE' && sameJson(existing.properties, props)) {
        if (quiet) this.d.persister.saveResource(existing);
        return;
      }
      if (existing.action === 'CREATE' && existing.status === 'IN_PROGRESS' && existing.handle !== undefined && plugin.checkCreateComplete && sameJson(existing.properties, props)) {
        // A create a previous daemon started: go back to polling, never call create again.
        await this.resumeCreate(rt, existing, plugin, signal);
        return;
      }
      if (existing.action === 'UPDATE' && existing.status === 'IN_PROGRESS' && existing.handle !== undefined && plugin.checkUpdateComplete && sameJson(existing.properties, props)) {
        // An update a previous daemon applied (its new properties were saved before polling): poll again.
        await this.resumeUpdate(rt, existing, plugin, signal);
        return;
      }
      const createDone = existing.action !== 'CREATE' || existing.status === 'COMPLETE';
      if (createDone && this.canUpdateInPlace(plugin, existing.properties ?? {}, props)) {
        await this.update(rt, existing, plugin, props, signal);
        return;
      }
      await this.deleteRecord(rt.record, existing, signal, rt.records);
    } else if (existing) {
      await this.deleteRecord(rt.record, existing, signal, rt.records);
    }
    await this.create(rt, this.newRecord(rt, name, type, requires, position, def.deletionPolicy), plugin, props, signal);
  }

  private resolveProps(rt: StackRuntime, name: string, plugin: AnyPlugin): Record<string, Json> {
    const def = rt.def.resources[name]!;
    const raw = resolve(def.properties, rt.ctx);
    if (raw === undefined) throw new UnresolvedPropertiesError(name);
    const props = (raw === null ? {} : structuredClone(raw)) as Record<string, Json>;
    if (typeof props !== 'object' || Array.isArray(props)) throw new PropertiesInvalidError(def.type, name, 'properties must be a map');
    const v = validatorFor(plugin.properties);
    if (!v(props)) throw new PropertiesInvalidError(def.type, name, describeErrors(v));
    return props;
  }

  canUpdateInPlace(plugin: AnyPlugin, before: Record<string, Json>, after: Record<string, Json>): boolean {
    // Without an update hook, a change of properties that all allow update is just recorded (nothing to do on a peer).
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (!sameJson(before[k], after[k]) && !isUpdateAllowed(plugin.properties, k)) return false;
    }
    return true;
  }

  private newRecord(rt: StackRuntime, name: string, type: string, requires: string[], position: number, deletionPolicy: ResourceRecord['deletionPolicy']): ResourceRecord {
    return {
      stackId: rt.record.id, name, type, action: 'CREATE', status: 'IN_PROGRESS', statusReason: '', refId: undefined, handle: undefined, attributes: {},
      properties: undefined, requires, nestedStackId: undefined, deletionPolicy, position, updatedAt: new Date().toISOString(),
    };
  }

  private async create(rt: StackRuntime, rec: ResourceRecord, plugin: AnyPlugin, props: Record<string, Json>, signal: AbortSignal): Promise<void> {
    rec.properties = props;
    rt.records.set(rec.name, rec);
    this.transition(rt.record, rec, 'CREATE', 'IN_PROGRESS', 'state changed');
    try {
      if (plugin.nested) {
        await this.runNested(rt, rec, plugin, props, undefined, 'CREATE', signal);
      } else {
        await this.leaf(rt.record, rec, signal, async (ctx) => {
          apply(rec, await plugin.create?.(ctx, props));
          if (plugin.checkCreateComplete) await this.poll(ctx, rec, plugin.checkCreateComplete.bind(plugin));
        }, 'CREATE');
      }
      this.transition(rt.record, rec, 'CREATE', 'COMPLETE', 'state changed');
    } catch (err) {
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
  }

  private async resumeCreate(rt: StackRuntime, rec: ResourceRecord, plugin: AnyPlugin, signal: AbortSignal): Promise<void> {
    try {
      await this.leaf(rt.record, rec, signal, (ctx) => this.poll(ctx, rec, plugin.checkCreateComplete!.bind(plugin)), 'CREATE');
      this.transition(rt.record, rec, 'CREATE', 'COMPLETE', 'state changed (resumed after a daemon restart)');
    } catch (err) {
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
  }

  private async resumeUpdate(rt: StackRuntime, rec: ResourceRecord, plugin: AnyPlugin, signal: AbortSignal): Promise<void> {
    try {
      await this.leaf(rt.record, rec, signal, (ctx) => this.poll(ctx, rec, plugin.checkUpdateComplete!.bind(plugin)), 'UPDATE');
      this.transition(rt.record, rec, 'UPDATE', 'COMPLETE', 'state changed (resumed after a daemon restart)');
    } catch (err) {
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
  }

  private async update(rt: StackRuntime, rec: ResourceRecord, plugin: AnyPlugin, props: Record<string, Json>, signal: AbortSignal): Promise<void> {
    const prev: ResourceSnapshot = structuredClone(snapshotOf(rec));
    this.transition(rt.record, rec, 'UPDATE', 'IN_PROGRESS', 'state changed');
    try {
      if (plugin.nested) {
        await this.runNested(rt, rec, plugin, props, prev, 'UPDATE', signal);
      } else if (plugin.update) {
        await this.leaf(rt.record, rec, signal, async (ctx) => {
          apply(rec, await plugin.update!(ctx, props, prev));
          rec.properties = props;
          if (plugin.checkUpdateComplete) await this.poll(ctx, rec, plugin.checkUpdateComplete.bind(plugin));
        }, 'UPDATE');
      }
      rec.properties = props;
      this.transition(rt.record, rec, 'UPDATE', 'COMPLETE', 'state changed');
    } catch (err) {
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
  }

  /** Runs a leaf action under the concurrency cap and the per-resource timeout. */
  private async leaf(stack: StackRecord, rec: ResourceRecord, signal: AbortSignal, fn: (ctx: ResourceContext) => Promise<void>, action: 'CREATE' | 'UPDATE' | 'DELETE'): Promise<void> {
    const seconds = this.d.options.resourceTimeoutSeconds;
    // One controller and one timer per action (cheaper than AbortSignal.any/timeout over thousands of resources).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new ActionTimeoutError(`resource ${rec.name} ${action}`, seconds));
    }, seconds * 1000);
    const unlink = this.link(signal, controller);
    const ctx = this.contextFor(stack, rec.name, controller.signal, action);
    try {
      await this.d.semaphore.with(async () => {
        try {
          await fn(ctx);
        } catch (err) {
          if (timedOut && !signal.aborted) throw new ActionTimeoutError(`resource ${rec.name} ${action}`, seconds);
          throw err;
        }
      }, controller.signal);
    } catch (err) {
      if (timedOut && !signal.aborted) throw new ActionTimeoutError(`resource ${rec.name} ${action}`, seconds);
      throw err;
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  /**
   * Aborts `controller` when `signal` aborts. One listener per parent signal fans out to a set, because
   * EventTarget.addEventListener is linear in the listeners already there (thousands of resources at once).
   */
  private link(signal: AbortSignal, controller: AbortController): () => void {
    if (signal.aborted) {
      controller.abort(signal.reason);
      return () => undefined;
    }
    let set = this.linked.get(signal);
    if (!set) {
      const members = new Set<AbortController>();
      set = members;
      this.linked.set(signal, members);
      signal.addEventListener('abort', () => {
        for (const c of members) c.abort(signal.reason);
      }, { once: true });
    }
    set.add(controller);
    const members = set;
    return () => members.delete(controller);
  }

  private contextFor(stack: StackRecord, resourceName: string, signal: AbortSignal, action: 'CREATE' | 'UPDATE' | 'DELETE'): ResourceContext {
    return {
      stackId: stack.id, stackName: stack.name, rootStackId: stack.rootId, resourceName, signal, action,
      servers: this.d.servers, agent: this.d.agent, configs: this.d.configs, waitSignals: this.d.waitSignals, log: this.d.log,
    };
  }

  /** Polls a check hook: once at once; if not done, the handle is made durable, then polls with backoff. */
  private async poll(ctx: ResourceContext, rec: ResourceRecord, check: (ctx: ResourceContext, snap: ResourceSnapshot) => Promise<CheckResult> | CheckResult): Promise<void> {
    let wait = 10;
    for (let first = true; ; first = false) {
      const r = await check(ctx, snapshotOf(rec));
      if (r.done) {
        apply(rec, r);
        return;
      }
      if (first) {
        this.d.persister.saveResource(rec);
        this.d.persister.flush();
      }
      await sleep(wait, ctx.signal);
      wait = Math.min(wait * 2, this.d.options.pollMaxMs);
    }
  }

  private async runNested(rt: StackRuntime, rec: ResourceRecord, plugin: AnyPlugin, props: Record<string, Json>, prev: ResourceSnapshot | undefined, action: Action, signal: AbortSignal): Promise<void> {
    const def = rt.def.resources[rec.name]!;
    if (rt.depth + 1 > this.d.options.maxNestedDepth) throw new NestingTooDeepError(`${rt.record.name}/${rec.name}`, this.d.options.maxNestedDepth);
    const spec = plugin.nested!.build(props, prev, { stackName: rt.record.name, resourceName: rec.name, resource: def });
    const template: StackTemplate = { templateFile: spec.templateFile, parameters: spec.parameters, files: spec.files };
    if (rec.nestedStackId) this.d.persister.flush();
    let child = rec.nestedStackId ? this.d.repo.get(rec.nestedStackId) : undefined;
    let childAction: Action = 'CREATE';
    let childRecords: ResourceRecord[] = [];
    if (child) {
      this.d.repo.setTemplate(child.id, template);
      child = { ...child, template };
      childAction = child.action === 'CREATE' && child.status !== 'COMPLETE' ? 'CREATE' : 'UPDATE';
      childRecords = this.d.repo.resources(child.id);
    } else {
      // A new child has no rows yet: its insert is batched with the next flush, nothing is read back.
      const now = new Date().toISOString();
      const fresh = {
        id: randomUUID(), name: `${rt.record.name}-${rec.name}`, parentId: rt.record.id, parentResource: rec.name, rootId: rt.record.rootId,
        action: 'CREATE' as const, status: 'IN_PROGRESS' as const, statusReason: '', template, outputs: undefined, timeoutMinutes: undefined,
      };
      this.d.persister.insertStack(fresh);
      child = { ...fresh, createdAt: now, updatedAt: now };
      rec.nestedStackId = child.id;
      this.d.persister.saveResource(rec);
    }
    const facade = {
      metadata: def.metadata === undefined ? undefined : (resolve(def.metadata, rt.ctx) ?? undefined),
      deletion_policy: def.deletionPolicy,
      update_policy: def.updatePolicy === undefined ? undefined : (resolve(def.updatePolicy, rt.ctx) ?? undefined),
    };
    const childRt = buildRuntime(child, rt.rootBundle, childRecords, rt.depth + 1, facade, this.d.options.maxNestedDepth);
    const outputs = await this.converge(childRt, childAction, signal);
    const view: NestedView = {
      stackId: child.id,
      stackName: child.name,
      outputs,
      resources: childRt.active.map((n) => {
        const r = childRt.records.get(n)!;
        return { name: n, refId: r.refId, attributes: r.attributes };
      }),
    };
    apply(rec, plugin.nested!.collect(view, spec));
    if (spec.handle !== undefined) rec.handle = spec.handle;
  }

  /** Deletes records in the reverse order of what they require. */
  private async deleteRecords(stack: StackRecord, records: ResourceRecord[], signal: AbortSignal, live?: Map<string, ResourceRecord>): Promise<void> {
    const byName = new Map(records.map((r) => [r.name, r]));
    const graph = Graph.fromRequirements(records.map((r) => [r.name, r.requires])).reverse();
    await runGraph(graph, (n) => this.deleteRecord(stack, byName.get(n)!, signal, live), signal);
  }

  private async deleteRecord(stack: StackRecord, rec: ResourceRecord, signal: AbortSignal, live?: Map<string, ResourceRecord>): Promise<void> {
    this.transition(stack, rec, 'DELETE', 'IN_PROGRESS', 'state changed');
    try {
      if (rec.nestedStackId) {
        const child = this.d.repo.get(rec.nestedStackId);
        if (child) {
          if (rec.deletionPolicy === 'Retain') this.d.repo.deleteStack(child.id);
          else await this.deleteStack(child, signal);
        }
      } else if (rec.deletionPolicy !== 'Retain') {
        const plugin = pluginForRecord(rec);
        if (plugin?.delete && (rec.refId !== undefined || rec.handle !== undefined)) {
          await this.leaf(stack, rec, signal, async (ctx) => {
            await plugin.delete!(ctx, snapshotOf(rec));
          }, 'DELETE');
        }
      }
      this.transition(stack, rec, 'DELETE', 'COMPLETE', rec.deletionPolicy === 'Retain' ? 'retained (deletion_policy Retain)' : 'state changed', false);
      this.d.persister.deleteResource(rec.stackId, rec.name);
      live?.delete(rec.name);
    } catch (err) {
      this.fail(stack, rec, err, signal);
      throw err;
    }
  }

  private transition(stack: StackRecord, rec: ResourceRecord, action: StackAction, status: StackStatus, reason: string, save = true): void {
    rec.action = action;
    rec.status = status;
    rec.statusReason = reason;
    rec.updatedAt = new Date().toISOString();
    if (save) this.d.persister.saveResource(rec);
    this.d.persister.event({
      kind: `${EVENT_RESOURCE}.${stateName(action, status)}`,
      subjectType: 'stack',
      subjectId: stack.rootId,
      severity: status === 'FAILED' ? 'error' : 'info',
      message: `${stack.name}/${rec.name} ${stateName(action, status)}: ${reason}`,
      data: { stackId: stack.id, stackName: stack.name, resource: rec.name, type: rec.type, action, status, reason, physicalId: rec.refId ?? null },
    });
  }

  private fail(stack: StackRecord, rec: ResourceRecord, err: unknown, signal: AbortSignal): void {
    // A daemon shutting down leaves the resource IN_PROGRESS, so the next daemon resumes it.
    if (this.d.shutdown.aborted) {
      this.d.persister.saveResource(rec);
      return;
    }
    const extra = (err as { cause?: { attributes?: Record<string, Json> } })?.cause?.attributes;
    if (extra) rec.attributes = { ...rec.attributes, ...extra };
    this.transition(stack, rec, rec.action, 'FAILED', reasonOf(err, signal));
  }

  private stackState(stack: StackRecord, action: StackAction, status: StackStatus, reason: string, outputs?: Record<string, Json>): void {
    stack.action = action;
    stack.status = status;
    stack.statusReason = reason;
    if (outputs) stack.outputs = outputs;
    this.d.persister.stackState(stack.id, action, status, reason, outputs);
    this.d.persister.event({
      kind: `${EVENT_STACK}.${stateName(action, status)}`,
      subjectType: 'stack',
      subjectId: stack.rootId,
      severity: status === 'FAILED' ? 'error' : 'info',
      message: `${stack.name} ${stateName(action, status)}: ${reason}`,
      data: { stackId: stack.id, stackName: stack.name, nested: stack.parentId !== undefined, action, status, reason },
    });
  }
}

function apply(rec: ResourceRecord, out: Outcome | CheckResult | undefined | void): void {
  if (!out) return;
  if ('handle' in out && out.handle !== undefined) rec.handle = out.handle;
  if ('refId' in out && out.refId !== undefined) rec.refId = out.refId;
  if ('attributes' in out && out.attributes !== undefined) rec.attributes = out.attributes;
}

export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

export function reasonOf(err: unknown, signal: AbortSignal): string {
  if (signal.aborted && !isUndercloudError(err)) {
    const r = signal.reason as Error | undefined;
    return `cancelled: ${r?.message ?? 'aborted'}`;
  }
  const e = err as Error;
  return isUndercloudError(e) ? `${e.code}: ${e.message}` : (e?.message ?? String(err));
}
