/**
 * The traversals: converge a stack to its template (create, update and rollback are one walk: each
 * resource is created, left alone, updated in place or replaced, after everything it requires) and delete
 * a stack (the reversed graph). Every transition is a stored resource row and an event, written in batches
 * by the Persister. Nested stacks are walked recursively (nested.ts); an unchanged nested resource is not
 * descended into, which is what makes a no-op update cheap. Replacement follows the type's order
 * (create-first as Heat's convergence, or delete-first); breakpoints pause resources where the
 * environment asks (breakpoints.ts).
 */
import type { Json } from '../template/types.js';
import type { HookRule, HookType } from '../environment/types.js';
import type { ResourceRecord, StackAction, StackRecord, StackStatus, StacksRepo } from '../../store/stacks.js';
import type { AnyPlugin, ResourceSnapshot } from '../resources/types.js';
import { cloneJson, isUpdateAllowed, validatorFor, describeErrors } from '../resources/common.js';
import { PropertiesInvalidError } from '../resources/errors.js';
import { Graph } from '../graph/graph.js';
import { runGraph } from './scheduler.js';
import { createUnfinished, nestedStale, pluginForDef, pluginForRecord, requirementsOf, snapshotOf, type StackRuntime } from './runtime.js';
import { resolve, resolveCond } from './templates.js';
import { UnresolvedPropertiesError } from './errors.js';
import { EVENT_RESOURCE, EVENT_STACK, stateName } from './states.js';
import { LeafRunner, apply, type LeafDeps } from './leaf.js';
import { runNested } from './nested.js';
import { hasHook, type Breakpoints } from './breakpoints.js';
import { isRetired, putBack, restorable, retireRecord } from './retire.js';
import { isUndercloudError } from '../../errors.js';
import { reapplication } from './reapply.js';

export interface WalkerOptions {
  resourceTimeoutSeconds: number;
  maxNestedDepth: number;
  pollMaxMs: number;
}

/** What the walker needs: everything a leaf needs, plus the stack store, hooks and the shutdown signal. */
export interface WalkerDeps extends LeafDeps {
  repo: StacksRepo;
  breakpoints: Breakpoints;
  /** Aborted when the daemon shuts down: work stops without marking anything failed, so a restart resumes it. */
  shutdown: AbortSignal;
  options: WalkerOptions;
}

export type ConvergeAction = 'CREATE' | 'UPDATE' | 'ROLLBACK';

/**
 * What a failed root walk records: FAILED ('fail'), FAILED with a rollback to follow ('rollback', the event
 * says so and the CLI keeps following), or nothing ('superseded': a delete cancelled the walk and takes over).
 */
export type FailureMode = 'fail' | 'rollback' | 'superseded';

export interface ConvergeOptions {
  onFailure?: (err: unknown) => FailureMode;
}

/** Where a stack sits in its tree, for breakpoints: the resource path from the root, and the environment's rules. */
export interface Scope {
  path: readonly string[];
  hooks: readonly HookRule[];
}

export class Walker {
  private readonly leaf: LeafRunner;

  constructor(private readonly d: WalkerDeps) {
    this.leaf = new LeafRunner(d);
  }

  /** Brings a stack to its template; returns its outputs. */
  async converge(rt: StackRuntime, action: ConvergeAction, signal: AbortSignal, opts: ConvergeOptions = {}): Promise<Record<string, Json>> {
    this.stackState(rt.record, action, 'IN_PROGRESS', `Stack ${action} started`);
    try {
      const graph = Graph.fromRequirements(rt.active.map((n) => [n, requirementsOf(rt, n)]));
      await runGraph(graph, (n) => this.convergeResource(rt, n, signal), signal);
      // Resources no longer in the template, and replaced ones (their replacements exist now).
      const obsolete = [...rt.records.values()].filter((r) => !rt.activeSet.has(r.name));
      if (obsolete.length > 0) await this.deleteRecords(rt.record, obsolete, signal, rt, rt.records);
      const outputs = this.outputsOf(rt);
      this.stackState(rt.record, action, 'COMPLETE', `Stack ${action} completed successfully`, outputs);
      return outputs;
    } catch (err) {
      const mode = this.d.shutdown.aborted ? 'superseded' : (opts.onFailure?.(err) ?? 'fail');
      if (mode !== 'superseded') this.stackState(rt.record, action, 'FAILED', reasonOf(err, signal), undefined, mode === 'rollback');
      throw err;
    }
  }

  /** Deletes every resource of a stack (children first), then the stack. */
  async deleteStack(stack: StackRecord, signal: AbortSignal, scope?: Scope): Promise<void> {
    await this.deleteResources(stack, 'DELETE', signal, scope);
    this.d.persister.flush();
    this.d.repo.deleteStack(stack.id);
  }

  /** Deletes every resource of a stack and keeps the stack (`ROLLBACK` of a create: Heat leaves it ROLLBACK_COMPLETE). */
  async deleteResources(stack: StackRecord, action: 'DELETE' | 'ROLLBACK', signal: AbortSignal, scope?: Scope, opts: ConvergeOptions = {}): Promise<void> {
    this.stackState(stack, action, 'IN_PROGRESS', `Stack ${action} started`);
    try {
      this.d.persister.flush();
      await this.deleteRecords(stack, this.d.repo.resources(stack.id), signal, scope);
      this.stackState(stack, action, 'COMPLETE', `Stack ${action} completed successfully`, action === 'ROLLBACK' ? {} : undefined);
    } catch (err) {
      const mode = this.d.shutdown.aborted ? 'superseded' : (opts.onFailure?.(err) ?? 'fail');
      if (mode !== 'superseded') this.stackState(stack, action, 'FAILED', reasonOf(err, signal));
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

  private async convergeResource(rt: StackRuntime, name: string, signal: AbortSignal): Promise<void> {
    const def = rt.def.resources[name]!;
    const plugin = pluginForDef(def);
    const type = def.providerTemplate ? def.type : def.resolvedType;
    const requires = requirementsOf(rt, name);
    const position = rt.positions.get(name) ?? 0;
    let existing = rt.records.get(name);
    // A row left at a pre-create breakpoint was never created.
    if (existing?.action === 'INIT') existing = undefined;
    const fresh = () => this.newRecord(rt, name, type, requires, position, def.deletionPolicy);
    let props: Record<string, Json>;
    let updatePolicy: Record<string, Json> | undefined;
    try {
      props = this.resolveProps(rt, name, plugin);
      updatePolicy = this.resolveUpdatePolicy(rt, name, plugin);
    } catch (err) {
      const rec = existing ?? fresh();
      rec.action = existing?.action ?? 'CREATE';
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
    if (existing && existing.type === type && existing.action !== 'DELETE') {
      // Bookkeeping that is not a change of the resource (order, requirements, deletion policy) is saved quietly.
      const quiet = existing.position !== position || existing.deletionPolicy !== def.deletionPolicy || !sameJson(existing.requires, requires);
      if (quiet) Object.assign(existing, { position, deletionPolicy: def.deletionPolicy, requires });
      if (existing.status === 'COMPLETE' && sameJson(existing.properties, props)) {
        const again = reapplication(rt.reapplied, rt.record.id, name);
        // A config whose server was imaged again goes to the new system as it went to the first: a CREATE;
        // one applied again on request is an UPDATE, as when TripleO's DeployIdentifier changes.
        if (again?.action === 'CREATE') await this.create(rt, existing, plugin, props, updatePolicy, signal, undefined, again.reason);
        else if (again) await this.update(rt, existing, plugin, props, updatePolicy, signal, again.reason);
        else if (this.staleNested(rt, existing)) await this.refreshNested(rt, existing, plugin, props, signal);
        else if (quiet) this.d.persister.saveResource(existing);
        return;
      }
      if (existing.action === 'CREATE' && existing.status === 'IN_PROGRESS' && existing.handle !== undefined && plugin.checkCreateComplete && sameJson(existing.properties, props)) {
        // A create a previous daemon started: go back to polling, never call create again.
        return this.resume(rt, existing, plugin, 'CREATE', signal);
      }
      if (existing.action === 'UPDATE' && existing.status === 'IN_PROGRESS' && existing.handle !== undefined && plugin.checkUpdateComplete && sameJson(existing.properties, props)) {
        // An update a previous daemon applied (its new properties were saved before polling): poll again.
        return this.resume(rt, existing, plugin, 'UPDATE', signal);
      }
      if (!createUnfinished(plugin, existing) && this.canUpdateInPlace(plugin, existing.properties ?? {}, props)) {
        await this.breakpoint(rt.record, rt, existing, 'pre-update', signal);
        await this.update(rt, existing, plugin, props, updatePolicy, signal);
        await this.breakpoint(rt.record, rt, existing, 'post-update', signal);
        return;
      }
    }
    if (this.restore(rt, name, type, props)) return;
    if (existing) {
      await this.breakpoint(rt.record, rt, existing, 'pre-update', signal);
      const rec = await this.replace(rt, existing, plugin, fresh(), props, updatePolicy, signal);
      await this.breakpoint(rt.record, rt, rec, 'post-update', signal);
      return;
    }
    const rec = fresh();
    if (rt.hooks.length > 0 && hasHook(rt.hooks, [...rt.path, name], 'pre-create')) {
      // Heat's INIT_COMPLETE: the resource is known, nothing is created yet.
      Object.assign(rec, { action: 'INIT', status: 'COMPLETE' });
      await this.breakpoint(rt.record, rt, rec, 'pre-create', signal);
    }
    await this.create(rt, rec, plugin, props, updatePolicy, signal);
    await this.breakpoint(rt.record, rt, rec, 'post-create', signal);
  }

  private resolveProps(rt: StackRuntime, name: string, plugin: AnyPlugin): Record<string, Json> {
    const def = rt.def.resources[name]!;
    const raw = resolve(def.properties, rt.ctx);
    if (raw === undefined) throw new UnresolvedPropertiesError(name);
    const props = (raw === null ? {} : cloneJson(raw)) as Record<string, Json>;
    if (typeof props !== 'object' || Array.isArray(props)) throw new PropertiesInvalidError(def.type, name, 'properties must be a map');
    const v = validatorFor(plugin.properties);
    if (!v(props)) throw new PropertiesInvalidError(def.type, name, describeErrors(v));
    return props;
  }

  /** The resource's update_policy, checked against (and defaulted by) its type's schema; undefined when the type has none. */
  private resolveUpdatePolicy(rt: StackRuntime, name: string, plugin: AnyPlugin): Record<string, Json> | undefined {
    const def = rt.def.resources[name]!;
    if (!plugin.updatePolicy || def.updatePolicy === undefined) return undefined;
    const raw = resolve(def.updatePolicy, rt.ctx);
    if (raw === undefined) throw new UnresolvedPropertiesError(name);
    const policy = (raw === null ? {} : cloneJson(raw)) as Record<string, Json>;
    const v = validatorFor(plugin.updatePolicy);
    if (typeof policy !== 'object' || Array.isArray(policy) || !v(policy)) throw new PropertiesInvalidError(def.type, name, `update_policy: ${describeErrors(v) || 'must be a map'}`);
    return policy;
  }

  /** A nested resource whose child was converged with other templates: walk it even with equal properties. */
  private staleNested(rt: StackRuntime, existing: ResourceRecord): boolean {
    if (!existing.nestedStackId) return false;
    this.d.persister.flush();
    return nestedStale(rt, existing, (id) => this.d.repo.get(id));
  }

  /**
   * Walks the child of a nested resource whose own properties are unchanged but whose templates changed
   * below it, without an UPDATE of the resource itself: only what really changed inside shows (and is
   * done), and a changed output reaches the resources that read its attributes. No batches: nothing of
   * the resource's own definition changed.
   */
  private async refreshNested(rt: StackRuntime, rec: ResourceRecord, plugin: AnyPlugin, props: Record<string, Json>, signal: AbortSignal): Promise<void> {
    try {
      await runNested(this.nestedHost(), { rt, rec, plugin, props, prev: structuredClone(snapshotOf(rec)), updatePolicy: undefined }, signal);
      this.d.persister.saveResource(rec);
    } catch (err) {
      rec.action = 'UPDATE';
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
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

  /**
   * Replaces `existing`: delete-first when either type asks for it (or the old row was half deleted),
   * otherwise create-first: the old row is renamed aside and deleted once the walk is done.
   */
  private async replace(rt: StackRuntime, existing: ResourceRecord, plugin: AnyPlugin, rec: ResourceRecord, props: Record<string, Json>, updatePolicy: Record<string, Json> | undefined, signal: AbortSignal): Promise<ResourceRecord> {
    const deleteFirst = existing.action === 'DELETE' || plugin.replaceOrder === 'delete-first' || pluginForRecord(existing)?.replaceOrder === 'delete-first';
    if (deleteFirst) {
      await this.deleteRecord(rt.record, existing, signal, undefined, rt.records);
      await this.create(rt, rec, plugin, props, updatePolicy, signal);
    } else {
      await this.create(rt, rec, plugin, props, updatePolicy, signal, existing);
    }
    return rec;
  }

  /**
   * Puts back a replaced resource that still exists and matches the wanted definition (a rollback, or an
   * update that reverts a replacement before the clean-up ran), instead of creating another one.
   */
  private restore(rt: StackRuntime, name: string, type: string, props: Record<string, Json>): boolean {
    const r = restorable(rt, name, type, props);
    if (!r) return false;
    putBack(rt, r, this.d.persister);
    this.transition(rt.record, r, r.action, 'COMPLETE', 'restored: the replaced resource is kept and its replacement discarded');
    return true;
  }

  private async create(rt: StackRuntime, rec: ResourceRecord, plugin: AnyPlugin, props: Record<string, Json>, updatePolicy: Record<string, Json> | undefined, signal: AbortSignal, retire?: ResourceRecord, reason?: string): Promise<void> {
    rec.properties = props;
    // The old row moves aside in the same transaction as the new one takes its name.
    if (retire) retireRecord(rt, retire, this.d.persister);
    rt.records.set(rec.name, rec);
    this.transition(rt.record, rec, 'CREATE', 'IN_PROGRESS', reason ?? (retire ? 'state changed (replacement; the old resource is deleted when the stack is done)' : 'state changed'));
    try {
      if (plugin.nested) {
        await runNested(this.nestedHost(), { rt, rec, plugin, props, prev: undefined, updatePolicy }, signal);
      } else {
        await this.leaf.run(rt.record, rec, signal, async (ctx) => {
          apply(rec, await plugin.create?.(ctx, props));
          if (plugin.checkCreateComplete) await this.leaf.poll(ctx, rec, plugin.checkCreateComplete.bind(plugin));
        }, 'CREATE');
      }
      this.transition(rt.record, rec, 'CREATE', 'COMPLETE', 'state changed');
    } catch (err) {
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
  }

  private async resume(rt: StackRuntime, rec: ResourceRecord, plugin: AnyPlugin, action: 'CREATE' | 'UPDATE', signal: AbortSignal): Promise<void> {
    const check = action === 'CREATE' ? plugin.checkCreateComplete! : plugin.checkUpdateComplete!;
    try {
      await this.leaf.run(rt.record, rec, signal, (ctx) => this.leaf.poll(ctx, rec, check.bind(plugin)), action);
      this.transition(rt.record, rec, action, 'COMPLETE', 'state changed (resumed after a daemon restart)');
    } catch (err) {
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
  }

  private async update(rt: StackRuntime, rec: ResourceRecord, plugin: AnyPlugin, props: Record<string, Json>, updatePolicy: Record<string, Json> | undefined, signal: AbortSignal, reason?: string): Promise<void> {
    const prev: ResourceSnapshot = structuredClone(snapshotOf(rec));
    this.transition(rt.record, rec, 'UPDATE', 'IN_PROGRESS', reason ?? 'state changed');
    try {
      if (plugin.nested) {
        await runNested(this.nestedHost(), { rt, rec, plugin, props, prev, updatePolicy }, signal);
      } else if (plugin.update) {
        await this.leaf.run(rt.record, rec, signal, async (ctx) => {
          apply(rec, await plugin.update!(ctx, props, prev));
          rec.properties = props;
          if (plugin.checkUpdateComplete) await this.leaf.poll(ctx, rec, plugin.checkUpdateComplete.bind(plugin));
        }, 'UPDATE');
      }
      rec.properties = props;
      this.transition(rt.record, rec, 'UPDATE', 'COMPLETE', 'state changed');
    } catch (err) {
      this.fail(rt.record, rec, err, signal);
      throw err;
    }
  }

  private nestedHost() {
    return {
      repo: this.d.repo,
      persister: this.d.persister,
      maxNestedDepth: this.d.options.maxNestedDepth,
      converge: (child: StackRuntime, action: 'CREATE' | 'UPDATE', signal: AbortSignal) => this.converge(child, action, signal),
      progress: (stack: StackRecord, rec: ResourceRecord, reason: string) => this.transition(stack, rec, rec.action, 'IN_PROGRESS', reason),
    };
  }

  /** Pauses at a breakpoint the environment sets on this resource, until the hook is cleared. The resource keeps its state. */
  private async breakpoint(stack: StackRecord, scope: Scope | undefined, rec: ResourceRecord, hook: HookType, signal: AbortSignal): Promise<void> {
    if (!scope || scope.hooks.length === 0 || isRetired(rec.name)) return;
    const path = [...scope.path, rec.name];
    if (!hasHook(scope.hooks, path, hook)) return;
    const action = hook.slice(hook.indexOf('-') + 1).toUpperCase();
    this.transition(stack, rec, rec.action, rec.status, `${action} paused until Hook ${hook} is cleared`);
    this.d.persister.flush();
    await this.d.breakpoints.wait(stack.rootId, path, hook, signal);
    this.transition(stack, rec, rec.action, rec.status, `Hook ${hook} is cleared`);
  }

  /** Deletes records in the reverse order of what they require. */
  private async deleteRecords(stack: StackRecord, records: ResourceRecord[], signal: AbortSignal, scope?: Scope, live?: Map<string, ResourceRecord>): Promise<void> {
    const byName = new Map(records.map((r) => [r.name, r]));
    const graph = Graph.fromRequirements(records.map((r) => [r.name, r.requires])).reverse();
    await runGraph(graph, (n) => this.deleteRecord(stack, byName.get(n)!, signal, scope, live), signal);
  }

  private async deleteRecord(stack: StackRecord, rec: ResourceRecord, signal: AbortSignal, scope?: Scope, live?: Map<string, ResourceRecord>): Promise<void> {
    await this.breakpoint(stack, scope, rec, 'pre-delete', signal);
    this.transition(stack, rec, 'DELETE', 'IN_PROGRESS', 'state changed');
    try {
      if (rec.nestedStackId) {
        const child = this.d.repo.get(rec.nestedStackId);
        if (child) {
          if (rec.deletionPolicy === 'Retain') this.d.repo.deleteStack(child.id);
          else await this.deleteStack(child, signal, scope && { path: [...scope.path, rec.name], hooks: scope.hooks });
        }
      } else if (rec.deletionPolicy !== 'Retain') {
        const plugin = pluginForRecord(rec);
        if (plugin?.delete && (rec.refId !== undefined || rec.handle !== undefined)) {
          await this.leaf.run(stack, rec, signal, async (ctx) => {
            await plugin.delete!(ctx, snapshotOf(rec));
          }, 'DELETE');
        }
      }
      this.transition(stack, rec, 'DELETE', 'COMPLETE', rec.deletionPolicy === 'Retain' ? 'retained (deletion_policy Retain)' : 'state changed', false);
      await this.breakpoint(stack, scope, rec, 'post-delete', signal);
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

  private stackState(stack: StackRecord, action: StackAction, status: StackStatus, reason: string, outputs?: Record<string, Json>, rollbackFollows = false): void {
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
      message: `${stack.name} ${stateName(action, status)}: ${reason}${rollbackFollows ? ' (rolling back)' : ''}`,
      data: { stackId: stack.id, stackName: stack.name, nested: stack.parentId !== undefined, action, status, reason, ...(rollbackFollows ? { rollback: true } : {}) },
    });
  }
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
