/**
 * The stack engine's public face: create, update, preview, delete, cancel, and the reads the API serves.
 * Validation happens before anything is written (a template that does not parse, or a dependency cycle,
 * leaves no trace). Each action runs as a daemon operation (`stack.create|update|delete`) so a restarted
 * daemon resumes it: the walk is convergent, so finished resources are skipped and started ones are polled.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Store } from '../../store/store.js';
import { StacksRepo, type ResourceRecord, type StackRecord, type StackTemplate } from '../../store/stacks.js';
import type { EventBus } from '../../events/event-bus.js';
import type { StoredEvent } from '../../store/events.js';
import type { Logger } from '../../daemon/logging.js';
import type { OperationRunner } from '../../daemon/operations.js';
import type { Operation } from '../../store/operations.js';
import type { Json, TemplateBundle } from '../template/types.js';
import type { AgentPort, ServerPort } from '../ports.js';
import type { ConfigStore, StoredConfig } from '../resources/types.js';
import { Graph } from '../graph/graph.js';
import { Persister } from './persister.js';
import { Semaphore } from './scheduler.js';
import { Walker, type WalkerOptions } from './walker.js';
import { buildRuntime, requirementsOf } from './runtime.js';
import { planStack, type Plan } from './plan.js';
import { StackBusyError, StackExistsError, StackNotFoundError } from './errors.js';
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

const OP_KINDS = { CREATE: 'stack.create', UPDATE: 'stack.update', DELETE: 'stack.delete' } as const;
type RootAction = keyof typeof OP_KINDS;

export class StackEngine {
  readonly repo: StacksRepo;
  readonly persister: Persister;
  private readonly walker: Walker;
  private readonly running = new Map<string, { opId?: string; done: Promise<void> }>();
  private readonly configCache = new Map<string, StoredConfig>();

  constructor(
    private readonly store: Store,
    bus: EventBus,
    private readonly log: Logger,
    private readonly operations: OperationRunner,
    ports: { servers: ServerPort; agent: AgentPort },
    shutdown: AbortSignal,
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
    this.walker = new Walker({
      repo: this.repo, persister: this.persister, log, servers: ports.servers, agent: ports.agent, configs,
      waitSignals: { signals: (h) => this.repo.signals(h) }, semaphore: new Semaphore(options.concurrency), shutdown, options,
    });
    for (const action of Object.keys(OP_KINDS) as RootAction[]) {
      operations.registerResumer(OP_KINDS[action], (op, handle) => this.resume(op, action, handle.signal));
    }
  }

  /** Validates, records the stack and starts creating it; resolves once it is recorded (not created). */
  createStack(req: StackRequest): StackRecord {
    if (this.repo.findRoot(req.name)) throw new StackExistsError(req.name);
    const id = randomUUID();
    const template = rootTemplate(req);
    this.validate({ id, name: req.name, template });
    const stack = this.repo.insertStack({
      id, name: req.name, parentId: undefined, parentResource: undefined, rootId: id, action: 'CREATE', status: 'IN_PROGRESS',
      statusReason: 'Stack CREATE started', template, outputs: undefined, timeoutMinutes: req.timeoutMinutes,
    });
    this.start(stack, 'CREATE');
    return stack;
  }

  updateStack(req: StackRequest): StackRecord {
    const stack = this.requireRoot(req.name);
    this.assertIdle(stack);
    const template = rootTemplate(req);
    this.validate({ id: stack.id, name: stack.name, template });
    this.repo.setTemplate(stack.id, template, req.timeoutMinutes);
    this.repo.setState(stack.id, 'UPDATE', 'IN_PROGRESS', 'Stack UPDATE started');
    const updated = this.repo.get(stack.id)!;
    this.start(updated, 'UPDATE');
    return updated;
  }

  deleteStack(name: string): StackRecord {
    const stack = this.requireRoot(name);
    this.assertIdle(stack);
    this.repo.setState(stack.id, 'DELETE', 'IN_PROGRESS', 'Stack DELETE started');
    this.start(stack, 'DELETE');
    return this.repo.get(stack.id)!;
  }

  /** Stops the action in progress; in-flight resources end FAILED with "cancelled", and so does the stack. */
  cancel(name: string): boolean {
    const stack = this.requireRoot(name);
    const r = this.running.get(stack.id);
    return r?.opId !== undefined && this.operations.cancel(r.opId);
  }

  /** What creating (no existing stack of that name) or updating would do. Writes nothing. */
  preview(req: StackRequest): Plan {
    const existing = this.repo.findRoot(req.name);
    const template = rootTemplate(req);
    const record = existing ? { ...existing, template } : transientRecord(randomUUID(), req.name, template);
    this.persister.flush();
    const rt = buildRuntime(record, req.bundle, existing ? this.repo.resources(existing.id) : [], 0, {}, this.options.maxNestedDepth);
    return planStack(rt);
  }

  /** Resolves when the stack's current action has finished (for tests and `--wait`). */
  async wait(name: string): Promise<StackRecord | undefined> {
    const stack = this.repo.findRoot(name);
    if (!stack) return undefined;
    await this.running.get(stack.id)?.done;
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

  private validate(s: { id: string; name: string; template: StackTemplate }): void {
    const rt = buildRuntime(transientRecord(s.id, s.name, s.template), s.template.bundle!, [], 0, {}, this.options.maxNestedDepth);
    Graph.fromRequirements(rt.active.map((n) => [n, requirementsOf(rt, n)])).assertAcyclic();
  }

  private requireRoot(name: string): StackRecord {
    const s = this.repo.findRoot(name);
    if (!s) throw new StackNotFoundError(name);
    return s;
  }

  private assertIdle(stack: StackRecord): void {
    if (stack.status === 'IN_PROGRESS' || this.running.has(stack.id)) throw new StackBusyError(stack.name, `${stack.action}_${stack.status}`);
  }

  private start(stack: StackRecord, action: RootAction): void {
    const entry: { opId?: string; done: Promise<void> } = { done: Promise.resolve() };
    const done = this.operations.run(OP_KINDS[action], { type: 'stack', id: stack.id }, { stackId: stack.id, stackName: stack.name }, (op) => {
      entry.opId = op.id;
      return this.runRoot(stack.id, action, op.signal);
    });
    entry.done = done.then(() => undefined, () => undefined).finally(() => this.running.delete(stack.id));
    this.running.set(stack.id, entry);
  }

  private resume(op: Operation, action: RootAction, signal: AbortSignal): Promise<void> {
    const entry: { opId?: string; done: Promise<void> } = { opId: op.id, done: Promise.resolve() };
    const work = this.runRoot(op.subjectId, action, signal);
    entry.done = work.then(() => undefined, () => undefined).finally(() => this.running.delete(op.subjectId));
    this.running.set(op.subjectId, entry);
    return work;
  }

  private async runRoot(stackId: string, action: RootAction, opSignal: AbortSignal): Promise<void> {
    const stack = this.repo.get(stackId);
    if (!stack) throw new StackNotFoundError(stackId);
    const signal = stack.timeoutMinutes ? AbortSignal.any([opSignal, AbortSignal.timeout(stack.timeoutMinutes * 60_000)]) : opSignal;
    // Every resource in flight listens on this signal; thousands at once are expected, not a leak.
    setMaxListeners(0, signal);
    const started = Date.now();
    try {
      if (action === 'DELETE') {
        await this.walker.deleteStack(stack, signal);
      } else {
        this.persister.flush();
        const rt = buildRuntime(stack, stack.template.bundle!, this.repo.resources(stack.id), 0, {}, this.options.maxNestedDepth);
        await this.walker.converge(rt, action, signal);
      }
      this.log.info('stack action finished', { stack: stack.name, action, ms: Date.now() - started });
    } catch (err) {
      this.persister.flush();
      const now = this.repo.get(stackId);
      // A template that no longer parses fails before the walk could record anything.
      if (now && now.status === 'IN_PROGRESS' && !opSignal.aborted) this.repo.setState(stackId, action, 'FAILED', (err as Error).message);
      this.log.warn('stack action failed', { stack: stack.name, action, error: (err as Error).message });
      throw err;
    } finally {
      this.persister.flush();
    }
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
