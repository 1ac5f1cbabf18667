/**
 * The stack engine's public face: create, update, preview, delete, cancel, hooks, and the reads the API
 * serves. The whole template tree is validated before anything is written (a nested template that does not
 * parse, or a dependency cycle, leaves no trace). Each action runs as a daemon operation
 * (`stack.create|update|delete`) so a restarted daemon resumes it: the walk is convergent, so finished
 * resources are skipped and started ones are polled. With rollback enabled (Heat's disable_rollback=false) a
 * failed create deletes what it created and a failed update converges back to the previous template; a
 * delete while a create or update runs cancels it first, as Heat does.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/store.js';
import { StacksRepo, type ResourceRecord, type StackRecord, type StackTemplate } from '../../store/stacks.js';
import type { EventBus } from '../../events/event-bus.js';
import type { StoredEvent } from '../../store/events.js';
import type { Logger } from '../../daemon/logging.js';
import type { OperationRunner } from '../../daemon/operations.js';
import type { Json, TemplateBundle } from '../template/types.js';
import type { HookType } from '../environment/types.js';
import type { AgentPort, NetworkPort, ServerPort } from '../ports.js';
import type { ConfigStore, StoredConfig } from '../resources/types.js';
import { Persister } from './persister.js';
import { Semaphore } from './scheduler.js';
import { Walker, type WalkerOptions } from './walker.js';
import { buildRuntime } from './runtime.js';
import { DEPLOYMENT_TYPES, findReapplied, NOTHING_REAPPLIED, type ReapplyRequest } from './reapply.js';
import { hostnameOf, liveServers, requireServers } from './server-targets.js';
import { RootRunner } from './root-runner.js';
import { validateTree, type ServerDemand } from './validate-tree.js';
import { shortfalls } from './preflight.js';
import { SERVER_TYPE } from '../resources/server.js';
import { planStack, type Plan } from './plan.js';
import { serversRemoved } from './plan-removals.js';
import { planServerRemoval, type RemovalPlan } from './remove-servers.js';
import { loadTemplate } from './templates.js';
import { Breakpoints, parseHook } from './breakpoints.js';
import { InvalidError } from '../../errors.js';
import { HookNotPendingError, NotEnoughNodesError, ResourceNotFoundError, ResourceNotSignallableError, StackBusyError, StackExistsError, StackNotFoundError } from './errors.js';
import { EVENT_RESOURCE, EVENT_STACK } from './states.js';

export interface EngineOptions extends WalkerOptions {
  concurrency: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { concurrency: 32, resourceTimeoutSeconds: 3600, maxNestedDepth: 10, pollMaxMs: 2000 };

export interface StackRequest {
  name: string;
  bundle: TemplateBundle;
  parameters?: Record<string, Json>;
  timeoutMinutes?: number;
  /** Heat's disable_rollback=false: a failed create deletes what it created, a failed update goes back. Default off, as TripleO. */
  rollback?: boolean;
  /**
   * An update applies the stack's deployments again even when unchanged (`--reapply-config`; reapply.ts): on
   * every server, or on the servers named (hostnames, server ids, nodes). A create applies them all anyway.
   */
  reapply?: { servers?: string[] };
}

export interface StackSummary {
  stack: StackRecord;
  /** Resource counts over the whole tree by ACTION_STATUS. */
  counts: Record<string, number>;
}

export interface Failure {
  stackName: string;
  resource: string;
  type: string;
  state: string;
  reason: string;
  stdoutTail: string;
  stderrTail: string;
}

/** A hook a resource is paused at, by its path from the root stack (`Compute/0/Server`). */
export interface PendingHook {
  resource: string;
  hook: HookType;
}

export class StackEngine {
  readonly repo: StacksRepo;
  readonly persister: Persister;
  private readonly runner: RootRunner;
  private readonly configCache = new Map<string, StoredConfig>();
  private readonly breakpoints = new Breakpoints();

  constructor(
    private readonly store: Store,
    bus: EventBus,
    log: Logger,
    operations: OperationRunner,
    private readonly ports: { servers: ServerPort; agent: AgentPort; networks?: NetworkPort },
    private readonly shutdown: AbortSignal,
    private readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS,
  ) {
    this.repo = new StacksRepo(store);
    this.persister = new Persister(store, this.repo, bus);
    const configs: ConfigStore = {
      put: (stackId, config) => {
        const id = randomUUID();
        this.configCache.set(id, config);
        this.persister.putConfig(id, stackId, config as unknown as Json);
        return id;
      },
      get: (id) => this.configCache.get(id) ?? (this.repo.getConfig(id) as unknown as StoredConfig | undefined),
      remove: (id) => {
        this.configCache.delete(id);
        this.persister.putConfig(id, '', null);
      },
    };
    const walker = new Walker({
      repo: this.repo, persister: this.persister, log, servers: ports.servers, agent: ports.agent, networks: ports.networks, configs,
      waitSignals: { signals: (h) => this.repo.signals(h) }, semaphore: new Semaphore(options.concurrency), breakpoints: this.breakpoints, shutdown, options,
    });
    this.runner = new RootRunner({ repo: this.repo, persister: this.persister, walker, operations, log, shutdown, maxNestedDepth: options.maxNestedDepth, servers: ports.servers });
  }

  /** Validates the whole tree, records the stack and starts creating it; returns once it is recorded (not created). */
  createStack(req: StackRequest): StackRecord {
    if (this.repo.findRoot(req.name)) throw new StackExistsError(req.name);
    const id = randomUUID();
    const template = rootTemplate(req);
    if (req.reapply?.servers?.length) {
      throw new InvalidError('REAPPLY_NEEDS_STACK', `stack ${req.name} does not exist yet: a create applies every config to every server; name servers to apply configs again to once the stack exists`);
    }
    this.assertNodes(req.name, this.validate({ id, name: req.name, template }), undefined);
    const stack = this.repo.insertStack({
      id, name: req.name, parentId: undefined, parentResource: undefined, rootId: id, action: 'CREATE', status: 'IN_PROGRESS',
      statusReason: 'Stack CREATE started', template, outputs: undefined, timeoutMinutes: req.timeoutMinutes,
    });
    this.runner.begin(stack, { stackId: id, stackName: stack.name, action: 'CREATE', ...(req.rollback ? { rollback: true } : {}) }, req.bundle);
    return stack;
  }

  updateStack(req: StackRequest): StackRecord {
    const stack = this.requireRoot(req.name);
    this.assertIdle(stack);
    const template = rootTemplate(req);
    const demand = this.validate({ id: stack.id, name: stack.name, template });
    this.persister.flush();
    this.assertNodes(stack.name, demand, stack.id);
    const reapply = this.reapplyRequest(stack, req); // an unknown server is refused before anything is written
    this.repo.setTemplate(stack.id, template, req.timeoutMinutes);
    this.repo.setState(stack.id, 'UPDATE', 'IN_PROGRESS', 'Stack UPDATE started');
    const updated = this.repo.get(stack.id)!;
    this.runner.begin(updated, { stackId: stack.id, stackName: stack.name, action: 'UPDATE', ...(req.rollback ? { rollback: true, previous: stack.template } : {}), ...(reapply ? { reapply } : {}) }, req.bundle);
    return updated;
  }

  /**
   * TripleO's `overcloud node delete`: removes the named servers (hostnames, server ids, node names or ids)
   * from the root-stack groups that hold them and starts an update with the stored templates and parameters,
   * each group's count lowered and its removal_policies naming the members (remove-servers.ts).
   */
  removeServers(name: string, targets: string[], timeoutMinutes?: number): RemovalPlan & { stack: StackRecord } {
    if (targets.length === 0) throw new InvalidError('SERVERS_REQUIRED', 'name at least one server to remove');
    const stack = this.requireRoot(name);
    this.assertIdle(stack);
    this.persister.flush();
    const bundle = stack.template.bundle!;
    const loaded = loadTemplate(bundle, { templateFile: stack.template.templateFile, parameters: stack.template.parameters, depth: 0, maxDepth: this.options.maxNestedDepth });
    const plan = planServerRemoval({
      root: stack, definition: loaded.definition, parameterValues: loaded.parameterValues, resources: this.repo.treeResources(stack.id),
      stack: (id) => this.repo.get(id), targets,
      serverOfNode: (t) => this.ports.servers.lookup?.(t), hostnameOfNode: (t) => this.ports.servers.deployedHostname?.(t),
    });
    const updated = this.updateStack({ name: stack.name, bundle, parameters: plan.parameters, timeoutMinutes: timeoutMinutes ?? stack.timeoutMinutes });
    return { ...plan, stack: updated };
  }

  /**
   * Deletes a stack. As in Heat, a create or update in progress does not block it: that action is cancelled
   * (its resources in flight end FAILED, no rollback) and the delete starts once it has stopped.
   */
  deleteStack(name: string): StackRecord {
    const stack = this.requireRoot(name);
    const prior = this.runner.actionOf(stack.id);
    if (prior === 'DELETE') return this.repo.get(stack.id)!;
    this.persister.flush();
    this.repo.setState(stack.id, 'DELETE', 'IN_PROGRESS', prior ? `Stack DELETE started (the ${prior} in progress is cancelled first)` : 'Stack DELETE started');
    this.runner.delete(stack);
    return this.repo.get(stack.id)!;
  }

  /** Stops the action in progress; in-flight resources end FAILED with "cancelled", and so does the stack (no rollback). */
  cancel(name: string): boolean {
    return this.runner.cancel(this.requireRoot(name).id);
  }

  /**
   * Heat's resource signal, to a resource by its path from the root (`Compute/0/Server`): `{unset_hook: HOOK}`
   * clears that breakpoint (the path may use fnmatch patterns; no hook = any pending one) on every resource it
   * matches; any other signal goes to the named WaitConditionHandle.
   */
  signalResource(stackName: string, resource: string, data: Json): { sequence: number; cleared: PendingHook[] } {
    const stack = this.requireRoot(stackName);
    const pattern = resource.split('/').filter((p) => p !== '');
    if (data !== null && typeof data === 'object' && !Array.isArray(data) && 'unset_hook' in data) {
      const hook = parseHook(data.unset_hook);
      const cleared = this.breakpoints.clear(stack.id, pattern, hook);
      if (cleared.length === 0) throw new HookNotPendingError(stack.name, resource, hook);
      return { sequence: 0, cleared: cleared.map((c) => ({ resource: c.path.join('/'), hook: c.hook })) };
    }
    this.persister.flush();
    const rec = this.findResource(stack, pattern);
    if (!rec) throw new ResourceNotFoundError(stack.name, resource);
    if (rec.type !== 'OS::Heat::WaitConditionHandle' || rec.refId === undefined) throw new ResourceNotSignallableError(stack.name, resource, rec.type);
    return { sequence: this.signal(rec.refId, data), cleared: [] };
  }

  /** The breakpoints the stack's tree is paused at. */
  hooks(name: string): PendingHook[] {
    const stack = this.requireRoot(name);
    return this.breakpoints.list(stack.id).map((p) => ({ resource: p.path.join('/'), hook: p.hook }));
  }

  /** What creating (no existing stack of that name) or updating would do; the tree is validated as for a create. Writes nothing. */
  async preview(req: StackRequest): Promise<Plan> {
    const existing = this.repo.findRoot(req.name);
    const template = rootTemplate(req);
    const demand = this.validate({ id: existing?.id ?? randomUUID(), name: req.name, template });
    const record = existing ? { ...existing, template } : transientRecord(randomUUID(), req.name, template);
    this.persister.flush();
    // Configs that an update would apply again (to servers imaged since, or as asked; reapply.ts) show as updates.
    const reapplied = existing ? await findReapplied(this.repo, this.ports.servers, existing.id, this.shutdown, this.reapplyRequest(existing, req)) : NOTHING_REAPPLIED;
    const rt = buildRuntime(record, req.bundle, existing ? this.repo.resources(existing.id) : [], { depth: 0, maxDepth: this.options.maxNestedDepth, reapplied });
    const plan = planStack(rt, (id) => this.repo.get(id));
    if (existing) plan.removedServers = serversRemoved(this.repo, existing.id, plan.resources);
    plan.shortfalls = shortfalls(this.ports.servers, demand, () => (existing ? this.storedServers(existing.id) : []));
    return plan;
  }

  /** The servers `req.reapply` names, as server ids (an unknown one is refused), stamped with the time of the request. */
  private reapplyRequest(stack: StackRecord, req: StackRequest): ReapplyRequest | undefined {
    if (!req.reapply) return undefined;
    const since = new Date().toISOString();
    const targets = req.reapply.servers ?? [];
    if (targets.length === 0) return { since };
    const named = requireServers(stack.name, liveServers(this.repo.treeResources(stack.id)), targets, {
      serverOfNode: (t) => this.ports.servers.lookup?.(t), hostnameOfNode: (t) => this.ports.servers.deployedHostname?.(t),
    }, 'name the servers whose configs to apply again');
    // A server with no deployment (DeploymentServerBlacklist lists it) would silently get nothing.
    const deployed = new Set(this.repo.treeDeployments(stack.id, DEPLOYMENT_TYPES).map((r) => r.server));
    const bare = named.filter((s) => !deployed.has(s.refId!));
    if (bare.length > 0) {
      throw new InvalidError('REAPPLY_NOTHING', `stack ${stack.name}: ${bare.map((s) => hostnameOf(s) || s.refId).join(', ')} has no deployments to apply again (is it in DeploymentServerBlacklist?)`);
    }
    return { since, servers: [...new Set(named.map((s) => s.refId!))] };
  }

  /** Resolves when the stack's current action has finished (for tests and `--wait`). */
  async wait(name: string): Promise<StackRecord | undefined> {
    const stack = this.repo.findRoot(name);
    if (!stack) return undefined;
    await this.runner.idle(stack.id);
    this.persister.flush();
    return this.repo.get(stack.id);
  }

  get(name: string): StackSummary {
    this.persister.flush();
    const stack = this.requireRoot(name);
    return { stack, counts: this.repo.treeCounts(stack.id) };
  }

  list(): StackRecord[] {
    this.persister.flush();
    return this.repo.listRoots();
  }

  resources(name: string, nested: boolean): (ResourceRecord & { stackName: string })[] {
    this.persister.flush();
    const stack = this.requireRoot(name);
    if (nested) return this.repo.treeResources(stack.id);
    return this.repo.resources(stack.id).map((r) => ({ ...r, stackName: stack.name }));
  }

  events(name: string, afterId = 0, limit = 1000): StoredEvent[] {
    this.persister.flush();
    const stack = this.requireRoot(name);
    return this.store.events.list({ subjectId: stack.id, kinds: [EVENT_RESOURCE, EVENT_STACK], afterId, limit });
  }

  outputs(name: string): Record<string, Json> {
    this.persister.flush();
    return this.requireRoot(name).outputs ?? {};
  }

  failures(name: string): Failure[] {
    this.persister.flush();
    const stack = this.requireRoot(name);
    return this.repo
      .treeResources(stack.id)
      .filter((r) => r.status === 'FAILED' && !r.nestedStackId)
      .map((r) => ({
        stackName: r.stackName, resource: r.name, type: r.type, state: `${r.action}_${r.status}`, reason: r.statusReason,
        stdoutTail: tail(r.attributes.deploy_stdout), stderrTail: tail(r.attributes.deploy_stderr),
      }));
  }

  /** Records a signal on a WaitConditionHandle (by its reference id). */
  signal(handleId: string, data: Json): number {
    return this.repo.addSignal(handleId, data);
  }

  findStack(name: string): StackRecord | undefined {
    this.persister.flush();
    return this.repo.findRoot(name);
  }

  /** The whole tree validated; returns its servers (for the node count). */
  private validate(s: { id: string; name: string; template: StackTemplate }): ServerDemand[] {
    return validateTree({ bundle: s.template.bundle!, templateFile: s.template.templateFile, parameters: s.template.parameters, stackName: s.name, stackId: s.id, maxDepth: this.options.maxNestedDepth });
  }

  /** Refuses, before anything is written, an action whose new servers the pool cannot serve (`rootId`: the stack updated). */
  private assertNodes(stack: string, demand: ServerDemand[], rootId: string | undefined): void {
    const missing = shortfalls(this.ports.servers, demand, () => (rootId ? this.storedServers(rootId) : []));
    if (missing.length > 0) throw new NotEnoughNodesError(stack, missing);
  }

  /** The servers a stack's tree holds nodes with. */
  private storedServers(rootId: string) {
    return this.repo.treeResourcesOfType(rootId, SERVER_TYPE);
  }

  private requireRoot(name: string): StackRecord {
    const s = this.repo.findRoot(name);
    if (!s) throw new StackNotFoundError(name);
    return s;
  }

  private assertIdle(stack: StackRecord): void {
    // A stack left IN_PROGRESS with nothing running (its operation ended without a final state) is not busy.
    if (this.runner.actionOf(stack.id)) throw new StackBusyError(stack.name, `${stack.action}_${stack.status}`);
  }

  /** A resource by its path of names from the root stack. */
  private findResource(stack: StackRecord, path: string[]): ResourceRecord | undefined {
    let stackId: string | undefined = stack.id;
    let rec: ResourceRecord | undefined;
    for (const name of path) {
      if (stackId === undefined) return undefined;
      rec = this.repo.resources(stackId).find((r) => r.name === name);
      if (!rec) return undefined;
      stackId = rec.nestedStackId;
    }
    return rec;
  }
}

function rootTemplate(req: StackRequest): StackTemplate {
  return { bundle: req.bundle, templateFile: req.bundle.rootTemplate, parameters: req.parameters ?? {}, files: {} };
}

function transientRecord(id: string, name: string, template: StackTemplate): StackRecord {
  const now = new Date().toISOString();
  return {
    id, name, parentId: undefined, parentResource: undefined, rootId: id, action: 'INIT', status: 'COMPLETE', statusReason: '', template,
    outputs: undefined, timeoutMinutes: undefined, createdAt: now, updatedAt: now,
  };
}

function tail(v: Json | undefined, lines = 20): string {
  if (typeof v !== 'string') return '';
  return v.split('\n').slice(-lines).join('\n');
}
