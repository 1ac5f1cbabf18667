/**
 * The conductor owns node reservations (Ironic's task_manager): `withNode` reserves the node with one
 * conditional UPDATE (bounded retries on NodeLocked), hands the callback a Task and releases in `finally`.
 * `begin` does the same for long work: the first transition happens before it returns (so the caller sees
 * InvalidState at once), the rest runs as a recorded operation that keeps the reservation until it ends.
 * It also recovers after a crash, caps concurrent deploys and keeps power states in sync.
 */
import { hostname } from 'node:os';
import type { Logger } from '../../daemon/logging.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Store } from '../../store/store.js';
import { NodesRepo } from '../../store/nodes.js';
import type { OperationBody } from '../../daemon/operations.js';
import { driverSetFor } from '../drivers/index.js';
import { NodeLockedError, NodeNotFoundError } from '../errors.js';
import { POWER_FAILURE, type Node, type PowerState } from '../node.js';
import { STATES, STUCK_STATE_RECOVERY, canProcess, type ProvisionEvent, type ProvisionState } from '../states.js';
import { sleep } from '../drivers/retry.js';
import type { AgentServices } from '../agent/agent-services.js';
import { Task } from './task.js';
import { Semaphore } from '../../concurrency/semaphore.js';
import { readPowerState, type PowerOptions } from './power.js';

export interface ConductorOptions {
  /** This conductor's reservation tag; stable across restarts so stale locks can be cleared. */
  tag: string;
  reserveAttempts: number;
  reserveIntervalMs: number;
  maxConcurrentDeploy: number;
  power: PowerOptions;
}

export function defaultConductorOptions(): ConductorOptions {
  return {
    tag: `conductor@${hostname()}`, reserveAttempts: 3, reserveIntervalMs: 300, maxConcurrentDeploy: 250,
    power: { timeoutMs: 60_000, retryAttempts: 3, retryDelayMs: 500, pollMs: 1000 },
  };
}

/** The operation runner's `run`, so unit tests can pass a plain function. */
export type RunOperation = <T>(kind: string, subject: { type?: string; id?: string }, detail: Record<string, unknown>, body: OperationBody<T>) => Promise<T>;

export interface WithNodeOptions {
  purpose: string;
  exclusive: boolean;
}

export class Conductor {
  readonly nodes: NodesRepo;
  private readonly deploySlots: Semaphore;
  private syncTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private readonly syncFailures = new Map<string, number>();
  /** Given at start-up when the agents domain runs (the agent-based interfaces need it). */
  agentServices: AgentServices | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly runOperation: RunOperation,
    readonly options: ConductorOptions,
  ) {
    this.nodes = new NodesRepo(store);
    this.deploySlots = new Semaphore(options.maxConcurrentDeploy);
  }

  getNode(idOrName: string): Node {
    const n = this.nodes.get(idOrName);
    if (!n) throw new NodeNotFoundError(idOrName);
    return n;
  }

  async withNode<T>(idOrName: string, o: WithNodeOptions, fn: (task: Task) => Promise<T> | T): Promise<T> {
    const task = await this.acquire(idOrName, o);
    try {
      return await fn(task);
    } finally {
      if (o.exclusive) this.nodes.release(task.node.id, this.options.tag);
    }
  }

  /**
   * Reserves the node, applies `event` now, then runs `work` as operation `baremetal.<purpose>` holding the
   * reservation. A failure in `work` moves the node to its fail state with a last_error naming the node, the
   * step and the cause. Returns the node after the first transition and the operation's promise.
   */
  async begin(idOrName: string, purpose: string, event: ProvisionEvent, work: (task: Task, signal: AbortSignal, step: (name: string) => void) => Promise<void>): Promise<{ node: Node; done: Promise<void> }> {
    const task = await this.acquire(idOrName, { purpose, exclusive: true });
    try {
      task.process(event);
    } catch (err) {
      this.nodes.release(task.node.id, this.options.tag);
      throw err;
    }
    const node = task.node;
    const done = this.runOperation(`baremetal.${purpose}`, { type: 'node', id: node.id }, { node: node.name }, async (op) => {
      let stepName = 'start';
      try {
        await work(task, op.signal, (name) => {
          stepName = name;
          op.saveProgress({ node: node.name, step: name });
          task.log.info('step', { step: name });
        });
      } catch (err) {
        const cause = op.signal.aborted && op.signal.reason instanceof Error ? `${(err as Error).message} (${op.signal.reason.message})` : (err as Error).message;
        const error = `node ${task.node.name}: ${purpose} failed at step "${stepName}": ${cause}`;
        this.failTask(task, error);
        throw err;
      } finally {
        this.nodes.release(node.id, this.options.tag);
      }
    });
    // The operation record keeps the failure; callers that do not await must not see an unhandled rejection.
    done.catch(() => undefined);
    return { node, done };
  }

  /** Runs `fn` while holding one of max_concurrent_deploy slots (waits for a free one). */
  async withDeploySlot<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const release = await this.deploySlots.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  get deploysRunning(): number {
    return this.deploySlots.inUse;
  }

  /**
   * Start-up recovery: clear this conductor's stale reservations (its previous process died holding them),
   * then move nodes stuck in *ing states to their fail state with a clear last_error (Ironic's
   * STUCK_STATES_TREATED_AS_FAIL). Returns what it did.
   */
  recover(): { released: string[]; failed: { node: string; from: ProvisionState; to: ProvisionState }[] } {
    const released = this.store.tx(() => this.nodes.clearReservations(this.options.tag));
    if (released.length > 0) this.log.warn('cleared stale node reservations', { nodes: released, tag: this.options.tag });
    const failed: { node: string; from: ProvisionState; to: ProvisionState }[] = [];
    const stuck = this.nodes.inStates(Object.keys(STUCK_STATE_RECOVERY) as ProvisionState[]);
    for (const n of stuck) {
      if (n.reservation !== undefined) continue; // held by another conductor: theirs to recover
      const task = new Task(this.store, this.nodes, this.bus, n, driverSetFor(n), 'recovery', true, this.log);
      const from = n.provisionState;
      const to = task.process('fail', { error: `node ${n.name}: the undercloud daemon restarted while the node was in "${from}"; the work was not finished and the node was moved to "${STUCK_STATE_RECOVERY[from]}". Retry the action.` });
      failed.push({ node: n.name, from, to });
    }
    if (failed.length > 0) this.log.warn('moved stuck nodes to their fail states', { nodes: failed });
    return { released, failed };
  }

  /**
   * Fails nodes that waited too long for their agent in a wait state (Ironic's _check_deploy_timeouts and
   * friends): `timeouts` maps a wait state to its limit in ms (deploy_callback_timeout, ...). Nodes somebody
   * holds are skipped; the next round sees them again. Returns the names of the nodes it failed.
   */
  async checkProvisionTimeouts(timeouts: Partial<Record<ProvisionState, { ms: number; option: string }>>, now = Date.now()): Promise<string[]> {
    const failed: string[] = [];
    const states = (Object.keys(timeouts) as ProvisionState[]).filter((s) => (timeouts[s]?.ms ?? 0) > 0);
    for (const n of this.nodes.inStates(states)) {
      const limit = timeouts[n.provisionState]!;
      if (n.reservation !== undefined || now - Date.parse(n.provisionUpdatedAt) < limit.ms) continue;
      try {
        await this.withNode(n.id, { purpose: 'timeout', exclusive: true }, (task) => {
          if (task.node.provisionState !== n.provisionState) return; // moved on meanwhile
          task.process(canProcess(n.provisionState, 'fail') ? 'fail' : 'abort', {
            error: `node ${n.name}: timed out after ${Math.round(limit.ms / 1000)}s in "${n.provisionState}" waiting for the agent ([baremetal] ${limit.option})`,
          });
          failed.push(n.name);
        });
      } catch (err) {
        this.log.warn('provision timeout check skipped a node', { node: n.name, error: (err as Error).message });
      }
    }
    return failed;
  }

  /** Runs checkProvisionTimeouts every `intervalMs` (Ironic's check_provision_state_interval). */
  startTimeoutChecks(intervalMs: number, timeouts: Parameters<Conductor['checkProvisionTimeouts']>[0]): void {
    if (intervalMs <= 0) return;
    this.timeoutTimer = setInterval(() => {
      this.checkProvisionTimeouts(timeouts).catch((err: Error) => this.log.warn('provision timeout check failed', { error: err.message }));
    }, intervalMs);
    this.timeoutTimer.unref();
  }

  /** Starts the periodic power-state sync (Ironic's sync_power_state_interval); 0 disables it. */
  startPowerSync(intervalMs: number, maxFailures = 3): void {
    if (intervalMs <= 0) return;
    const tick = () => {
      this.syncPowerStates(maxFailures).catch((err: Error) => this.log.warn('power sync failed', { error: err.message }));
    };
    this.syncTimer = setInterval(tick, intervalMs);
    this.syncTimer.unref();
  }

  stop(): void {
    if (this.syncTimer) clearInterval(this.syncTimer);
    if (this.timeoutTimer) clearInterval(this.timeoutTimer);
    this.syncTimer = undefined;
    this.timeoutTimer = undefined;
  }

  /**
   * Reads each idle node's power state and records changes. It never changes a node's power (the
   * record follows the hardware). After `maxFailures` failed reads in a row the state becomes unknown and
   * the node goes to maintenance with the fault "power failure", as Ironic's conductor does, so no stack
   * is given a node whose BMC does not answer; such a node is still read, and leaves maintenance by itself
   * once its BMC answers again. Maintenance an operator set is left alone.
   */
  async syncPowerStates(maxFailures = 3, signal: AbortSignal = AbortSignal.timeout(120_000)): Promise<void> {
    for (const n of this.nodes.list()) {
      const powerFault = n.maintenance && n.fault === POWER_FAILURE;
      if ((n.maintenance && !powerFault) || n.reservation !== undefined || n.provisionState === 'enroll') continue;
      try {
        await this.withNode(n.id, { purpose: 'power sync', exclusive: false }, async (task) => {
          const observed = await readPowerState(task, { ...this.options.power, retryAttempts: 1 }, signal);
          this.syncFailures.delete(n.id);
          if (powerFault) return this.recoverFromPowerFailure(n, observed);
          const fresh = this.nodes.get(n.id);
          if (fresh && fresh.powerState !== observed && fresh.reservation === undefined) {
            this.store.tx(() => {
              this.nodes.update(n.id, { powerState: observed });
              this.bus.publish({ kind: 'node.power_state', subjectType: 'node', subjectId: n.id, message: `node ${n.name}: power state is now ${observed} (was ${fresh.powerState ?? 'unknown'})`, data: { node: n.name, from: fresh.powerState ?? null, to: observed, source: 'sync' } });
            });
          }
        });
      } catch (err) {
        if (powerFault) continue; // still failing: stays in maintenance
        const count = (this.syncFailures.get(n.id) ?? 0) + 1;
        this.syncFailures.set(n.id, count);
        if (count >= maxFailures) {
          const why = (err as Error).message;
          this.store.tx(() => {
            this.nodes.update(n.id, { powerState: null, lastError: `power state sync failed ${count} times: ${why}`, maintenance: true, maintenanceReason: `${POWER_FAILURE}: ${why}`, fault: POWER_FAILURE });
            this.nodes.addHistory({ nodeId: n.id, event: 'maintenance set', fromState: n.provisionState, toState: n.provisionState, severity: 'error', message: `${POWER_FAILURE}: the power state could not be read ${count} times: ${why}`, purpose: 'power sync' });
            this.bus.publish({ kind: 'node.maintenance', subjectType: 'node', subjectId: n.id, severity: 'warning', message: `node ${n.name}: power state unknown after ${count} failed reads; in maintenance (${POWER_FAILURE}) until its BMC answers: ${why}`, data: { node: n.name, maintenance: true, fault: POWER_FAILURE, from: n.powerState ?? null, to: null, source: 'sync' } });
          });
          this.syncFailures.delete(n.id);
        }
      }
    }
  }

  /** The BMC of a node the sync put in maintenance answers again: out of maintenance, with the state read. */
  private recoverFromPowerFailure(n: Node, observed: PowerState): void {
    this.store.tx(() => {
      const fresh = this.nodes.get(n.id);
      if (!fresh || fresh.fault !== POWER_FAILURE) return; // an operator changed it meanwhile
      this.nodes.update(n.id, { powerState: observed, maintenance: false, maintenanceReason: null, fault: null });
      this.nodes.addHistory({ nodeId: n.id, event: 'maintenance unset', fromState: n.provisionState, toState: n.provisionState, severity: 'info', message: `the BMC answers again (power is ${observed}): ${POWER_FAILURE} cleared`, purpose: 'power sync' });
      this.bus.publish({ kind: 'node.maintenance', subjectType: 'node', subjectId: n.id, message: `node ${n.name}: the BMC answers again (power is ${observed}); out of maintenance`, data: { node: n.name, maintenance: false, fault: null, to: observed, source: 'sync' } });
    });
  }

  private failTask(task: Task, error: string): void {
    try {
      const n = task.reload();
      // Holds only leave through abort (clean/deploy hold); every other busy state has fail.
      if (STATES[n.provisionState].failState === undefined) task.update({ lastError: error });
      else task.process(canProcess(n.provisionState, 'fail') ? 'fail' : 'abort', { error });
    } catch (err) {
      task.log.error('could not record a task failure', { error: (err as Error).message, original: error });
    }
    task.log.error('task failed', { error });
  }

  private async acquire(idOrName: string, o: WithNodeOptions): Promise<Task> {
    const first = this.getNode(idOrName);
    if (o.exclusive) {
      for (let attempt = 1; ; attempt++) {
        if (this.nodes.reserve(first.id, this.options.tag)) break;
        if (attempt >= this.options.reserveAttempts) throw new NodeLockedError(first.name, this.nodes.get(first.id)?.reservation);
        await sleep(this.options.reserveIntervalMs);
      }
    }
    try {
      const node = this.getNode(first.id);
      return new Task(this.store, this.nodes, this.bus, node, driverSetFor(node), o.purpose, o.exclusive, this.log, this.agentServices);
    } catch (err) {
      if (o.exclusive) this.nodes.release(first.id, this.options.tag);
      throw err;
    }
  }
}
