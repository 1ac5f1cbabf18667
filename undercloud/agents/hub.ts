/**
 * The agent hub: sessions of connected agents, step dispatch and results, logs, heartbeats, lost-agent
 * detection and step timeouts. Every step is stored before it is sent; every open step of a node is
 * (re)sent, in dispatch order, whenever that node's agent says hello, so restarts on either side lose
 * nothing. The agent keeps a journal of finished steps and answers a resent finished step from it.
 *
 * Store writes are batched: new steps, what agents report (sent, ack, log chunks, results) and the step
 * events of one event-loop turn are written in one transaction (a fan-out to a thousand agents is a few
 * dozen commits, not thousands), and whatever depends on them happens only once it committed: a step is
 * sent only once it is stored, a dispatch resolves and the agent gets result_ack only once the result is
 * stored, live log subscribers hear of a chunk once it is stored. The hub keeps its open steps in memory
 * (owner, state, deadline), so the hot paths and the once-a-second sweep do not read the store.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../daemon/logging.js';
import type { EventBus } from '../events/event-bus.js';
import { UnavailableError } from '../errors.js';
import type { AgentsRepo } from '../store/agents.js';
import type { StepLogChunk, StepOutcome, StepRecord, StepSpec, StepsRepo } from '../store/steps.js';
import type { AgentsConfig } from './config.js';
import { NODE_ID_PATTERN, type Enrollment } from './enrollment.js';
import { AgentRevokedError, InvalidStepError, StepConflictError } from './errors.js';
import type { AgentEvent, AgentLink, CloseReason } from './events.js';
import type { PeerIdentity } from './credentials.js';
import { Semaphore } from '../concurrency/semaphore.js';
import { resultOf, type AgentHub, type AgentMode, type DispatchOptions, type StepRequest, type StepResult } from './types.js';

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** What the hub keeps in memory about an unfinished step (the store has the rest). */
interface OpenStep {
  id: string;
  nodeId: string;
  kind: string;
  state: 'pending' | 'sent' | 'running';
  attempts: number;
  /** When it was sent (or created, until then), on the hub's clock: its timeout budget counts from here. */
  since: number;
  budgetMs: number;
  /** Stored but waiting for an in-flight slot: not sent yet even when its agent connects. */
  held: boolean;
}

/** A store write of the current turn, what may happen once it committed, and what to undo if it failed. */
interface PendingWrite {
  write?: () => void;
  after?: () => void;
  failed?: (err: Error) => void;
}

interface Session {
  nodeId: string;
  serial: string;
  link: AgentLink;
  /** The agent's IP address as the daemon sees it (the NBD writer dials the ramdisk's export there). */
  address: string | undefined;
  mode: AgentMode | undefined;
  lastSeen: number;
  lastSent: number;
}

/** What the transport holds for one connection: feed it the agent's events, tell it when the stream ends. */
export interface SessionHandle {
  readonly nodeId: string;
  receive(ev: AgentEvent): void;
  closed(): void;
}

export interface HubDeps {
  config: AgentsConfig;
  agents: AgentsRepo;
  steps: StepsRepo;
  enrollment: Enrollment;
  bus: EventBus;
  log: Logger;
  now?: () => number;
}

export class Hub implements AgentHub {
  private readonly sessions = new Map<string, Session>();
  private readonly disconnectedSince = new Map<string, number>();
  private readonly waiters = new Map<string, Set<{ resolve: (r: StepResult) => void; reject: (e: Error) => void }>>();
  private readonly connectedListeners = new Set<(nodeId: string, mode: AgentMode) => void>();
  private readonly logListeners = new Set<(c: StepLogChunk) => void>();
  /** Unfinished steps by id; a step leaves when its result (or failure) is decided, before it is committed. */
  private readonly open = new Map<string, OpenStep>();
  /** Steps whose outcome is decided and queued, until it is committed. */
  private readonly deciding = new Set<string>();
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly revoked: Set<string>;
  private readonly inflight: Semaphore;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly d: HubDeps) {
    this.now = d.now ?? Date.now;
    this.revoked = new Set(d.agents.revokedSerials());
    this.inflight = new Semaphore(d.config.maxInflightSteps);
    // Sessions do not survive the daemon: whatever a previous daemon saw connected is disconnected now.
    for (const a of d.agents.list()) if (a.state === 'connected') d.agents.setState(a.nodeId, 'disconnected');
    for (const s of d.steps.open()) {
      const since = Date.parse(s.sentAt ?? s.createdAt);
      this.open.set(s.id, { id: s.id, nodeId: s.nodeId, kind: s.kind, state: s.state as OpenStep['state'], attempts: s.attempts, since, budgetMs: stepBudgetMs(s), held: false });
      // Steps a previous daemon had sent: their agents get heartbeat_timeout to come back before they are lost.
      if (s.state !== 'pending') this.disconnectedSince.set(s.nodeId, this.now());
    }
  }

  start(): void {
    const every = Math.max(50, Math.min(this.d.config.heartbeatIntervalMs, 1000));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.flush();
    for (const s of [...this.sessions.values()]) s.link.close('shutdown', 'the undercloud daemon is shutting down');
    this.sessions.clear();
    const err = shuttingDown();
    for (const set of this.waiters.values()) for (const w of set) w.reject(err);
    this.waiters.clear();
  }

  // ---- the public API (types.ts) ----

  issueEnrollmentToken(nodeId: string, ttlSeconds?: number): { token: string; expiresAt: Date } {
    if (!NODE_ID_PATTERN.test(nodeId)) throw new InvalidStepError(`"${nodeId}" is not a valid node id`);
    const t = this.d.enrollment.issueToken(nodeId, ttlSeconds);
    this.d.bus.publish({ kind: 'agent.token_issued', subjectType: 'node', subjectId: nodeId, message: `enrollment token issued, expires ${t.expiresAt.toISOString()}` });
    return t;
  }

  revoke(nodeId: string, reason: string): { certificates: number; tokens: number } {
    const before = this.d.agents.get(nodeId);
    const r = this.d.agents.revokeNode(nodeId, reason);
    if (before) this.revoked.add(before.certSerial);
    const s = this.sessions.get(nodeId);
    if (s) {
      this.sessions.delete(nodeId);
      s.link.close('revoked', 'the credentials of this node were revoked');
    }
    this.flush(); // steps queued in this turn are stored first, so they are failed too
    this.failOpen(nodeId, 'revoked', `the agent credentials were revoked: ${reason}`);
    this.flush();
    this.d.bus.publish({ kind: 'agent.revoked', subjectType: 'node', subjectId: nodeId, severity: 'warning', message: `agent credentials revoked: ${reason}`, data: r });
    this.d.log.info('agent credentials revoked', { nodeId, reason, ...r });
    return r;
  }

  onAgentConnected(listener: (nodeId: string, mode: AgentMode) => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  session(nodeId: string): { mode: AgentMode | undefined; address: string | undefined } | undefined {
    const s = this.sessions.get(nodeId);
    return s ? { mode: s.mode, address: s.address } : undefined;
  }

  /**
   * When a connected agent last sent anything (heartbeats included). The store's last_seen_at changes only
   * with the agent's state: writing every heartbeat of a thousand agents is not worth it, so readers ask here.
   */
  lastSeen(nodeId: string): Date | undefined {
    const s = this.sessions.get(nodeId);
    return s ? new Date(s.lastSeen) : undefined;
  }

  isConnected(nodeId: string): boolean {
    return this.sessions.get(nodeId)?.mode !== undefined;
  }

  step(id: string): StepRecord | undefined {
    return this.d.steps.get(id);
  }

  subscribeLogs(fn: (c: StepLogChunk) => void): () => void {
    this.logListeners.add(fn);
    return () => this.logListeners.delete(fn);
  }

  async dispatch(nodeId: string, req: StepRequest, opts: DispatchOptions = {}): Promise<StepResult> {
    return (await this.submit(nodeId, req, opts)).result;
  }

  /**
   * dispatch() in two stages: resolves once the step is stored (committed), with the stored record and
   * whether this call created it; `result` then resolves as dispatch() does.
   */
  async submit(nodeId: string, req: StepRequest, opts: DispatchOptions = {}): Promise<{ step: StepRecord; created: boolean; result: Promise<StepResult> }> {
    if (this.stopped) throw new UnavailableError('DAEMON_SHUTTING_DOWN', 'the undercloud daemon is shutting down');
    const spec = compileStep(req);
    if (!NODE_ID_PATTERN.test(nodeId)) throw new InvalidStepError(`"${nodeId}" is not a valid node id`);
    const { step, created, open, done } = await this.store(nodeId, spec, opts.signal);
    return { step, created, result: open ? this.sendWhenFree(open, step, done, opts.signal) : done };
  }

  /** Waits for an in-flight slot (backpressure), sends the step if its agent is there, holds the slot until the result. */
  private async sendWhenFree(o: OpenStep, step: StepRecord, done: Promise<StepResult>, signal: AbortSignal | undefined): Promise<StepResult> {
    done.catch(() => undefined); // the caller gets the rejection from the returned promise
    let release: () => void;
    try {
      release = await this.inflight.acquire(signal);
    } catch (err) {
      o.held = false;
      done.catch(() => undefined);
      throw err;
    }
    o.held = false;
    const s = this.sessions.get(o.nodeId);
    if (s?.mode !== undefined && o.state === 'pending' && this.open.get(o.id) === o) this.send(s, step, o);
    return done.finally(release);
  }

  /**
   * Stores a new step in this turn's transaction and, once committed, registers the caller's wait (at that
   * moment the hub's memory is exact). A known id re-attaches: a finished step answers from the store.
   */
  private store(nodeId: string, spec: StepSpec, signal: AbortSignal | undefined): Promise<{ step: StepRecord; created: boolean; open?: OpenStep; done: Promise<StepResult> }> {
    return new Promise((resolve, reject) => {
      let r: { step: StepRecord; created: boolean } | undefined;
      this.later({
        write: () => (r = this.d.steps.create(nodeId, spec)),
        after: () => {
          const { step, created } = r!;
          if (created) {
            const open: OpenStep = { id: step.id, nodeId, kind: step.kind, state: 'pending', attempts: 0, since: this.now(), budgetMs: stepBudgetMs(step), held: true };
            this.open.set(step.id, open);
            return resolve({ step, created, open, done: this.waitFor(step.id, signal) });
          }
          if (step.nodeId !== nodeId || step.kind !== spec.kind) {
            return reject(new StepConflictError(`step ${spec.id} already exists for node ${step.nodeId} (${step.kind})`));
          }
          // The record read in the transaction may be older than the hub's memory, which decides.
          if (this.open.has(step.id) || this.deciding.has(step.id)) return resolve({ step, created, done: this.waitFor(step.id, signal) });
          const now = this.d.steps.get(step.id) ?? step;
          const finished = now.state === 'succeeded' || now.state === 'failed';
          resolve({ step: now, created, done: finished ? Promise.resolve(resultOf(now)) : this.waitFor(step.id, signal) });
        },
        failed: reject,
      });
    });
  }

  async dispatchMany(items: readonly { nodeId: string; step: StepRequest }[], opts: DispatchOptions & { concurrency?: number } = {}): Promise<StepResult[]> {
    const gate = new Semaphore(opts.concurrency ?? Math.max(1, items.length));
    return Promise.all(
      items.map(async (it) => {
        const release = await gate.acquire(opts.signal);
        try {
          return await this.dispatch(it.nodeId, it.step, opts);
        } finally {
          release();
        }
      }),
    );
  }

  // ---- the transport's side ----

  /** Checks a verified certificate against the node's one valid serial; throws AgentRevokedError. */
  authorize(id: PeerIdentity): void {
    if (this.revoked.has(id.serial)) throw new AgentRevokedError('revoked', 'this agent certificate was revoked');
    const rec = this.d.agents.get(id.nodeId);
    if (!rec) throw new AgentRevokedError('not_enrolled', 'this node has no enrolled agent');
    if (rec.state === 'revoked') throw new AgentRevokedError('revoked', 'this node\'s agent credentials were revoked');
    if (rec.certSerial !== id.serial) throw new AgentRevokedError('superseded', 'this agent certificate was replaced by a newer enrollment');
  }

  attach(id: PeerIdentity, link: AgentLink, address?: string): SessionHandle {
    const session: Session = { nodeId: id.nodeId, serial: id.serial, link, address, mode: undefined, lastSeen: this.now(), lastSent: this.now() };
    const old = this.sessions.get(id.nodeId);
    if (old) old.link.close('replaced', 'a newer connection of this agent replaced this one');
    this.sessions.set(id.nodeId, session);
    return {
      nodeId: id.nodeId,
      receive: (ev) => this.receive(session, ev),
      closed: () => this.detach(session),
    };
  }

  private receive(s: Session, ev: AgentEvent): void {
    if (this.sessions.get(s.nodeId) !== s) return;
    s.lastSeen = this.now();
    switch (ev.type) {
      case 'hello':
        return this.hello(s, ev.mode, ev.version, ev.hostname);
      case 'heartbeat':
        return;
      case 'ack': {
        const o = this.open.get(ev.stepId);
        if (!o) {
          this.owned(s, ev.stepId); // a finished step: nothing to record, but a foreign one is logged
          return;
        }
        if (o.nodeId !== s.nodeId) return this.foreign(s, ev.stepId);
        o.state = 'running';
        o.attempts = Math.max(o.attempts, ev.attempt);
        this.later({ write: () => this.d.steps.markRunning(ev.stepId, ev.attempt) });
        return;
      }
      case 'log': {
        if (!this.owned(s, ev.stepId)) return;
        let chunk: StepLogChunk | undefined;
        this.later({
          write: () => (chunk = this.d.steps.appendLog({ stepId: ev.stepId, nodeId: s.nodeId, seq: ev.seq, stream: ev.stream, data: ev.data })),
          after: () => {
            if (chunk) for (const l of this.logListeners) l(chunk);
          },
        });
        return;
      }
      case 'result': {
        const o = this.open.get(ev.stepId);
        if (o?.nodeId === s.nodeId) this.finish(o, ev.outcome);
        else if (o) this.foreign(s, ev.stepId);
        else this.owned(s, ev.stepId);
        // Acknowledged once stored (after any write of this turn), even a duplicate or foreign one, so the
        // agent stops resending it.
        this.later({ after: () => s.link.send({ type: 'resultAck', stepId: ev.stepId }) });
        return;
      }
    }
  }

  private hello(s: Session, mode: AgentMode, version: string, hostname: string): void {
    const first = s.mode === undefined;
    s.mode = mode;
    this.disconnectedSince.delete(s.nodeId);
    this.d.agents.setState(s.nodeId, 'connected', { mode, version, hostname });
    s.link.send({ type: 'welcome', nodeId: s.nodeId, heartbeatIntervalMs: this.d.config.heartbeatIntervalMs });
    for (const step of this.d.steps.openForNode(s.nodeId)) {
      // Skips steps waiting for a slot, and steps whose result is decided but not committed yet.
      const o = this.open.get(step.id);
      if (o && !o.held) this.send(s, step, o);
    }
    if (!first) return;
    this.d.bus.publish({ kind: 'agent.connected', subjectType: 'node', subjectId: s.nodeId, message: `agent connected (${mode} mode, ${version})`, data: { mode, version, hostname } });
    this.d.log.info('agent connected', { nodeId: s.nodeId, mode, version });
    for (const l of this.connectedListeners) {
      try {
        l(s.nodeId, mode);
      } catch (err) {
        this.d.log.warn('agent-connected listener failed', { nodeId: s.nodeId, error: (err as Error).message });
      }
    }
  }

  /** A node may only speak about its own steps: identity comes from its certificate, not its messages. */
  private owned(s: Session, stepId: string): boolean {
    const nodeId = this.open.get(stepId)?.nodeId ?? this.d.steps.owner(stepId)?.nodeId;
    if (nodeId === s.nodeId) return true;
    this.foreign(s, stepId);
    return false;
  }

  private foreign(s: Session, stepId: string): void {
    this.d.log.warn('agent referred to a step that is not its own', { nodeId: s.nodeId, stepId });
  }

  private send(s: Session, step: StepSpec, o: OpenStep): void {
    const spec: StepSpec = { id: step.id, kind: step.kind, params: step.params, timeoutMs: step.timeoutMs, retry: step.retry };
    s.link.send({ type: 'step', step: spec });
    s.lastSent = this.now();
    if (o.state !== 'pending') return;
    o.state = 'sent';
    o.since = this.now();
    this.later({ write: () => this.d.steps.markSent(step.id) });
  }

  private detach(s: Session): void {
    if (this.sessions.get(s.nodeId) !== s) return;
    this.sessions.delete(s.nodeId);
    if (this.stopped) return;
    this.disconnectedSince.set(s.nodeId, this.now());
    this.d.agents.setState(s.nodeId, 'disconnected');
    this.d.bus.publish({ kind: 'agent.disconnected', subjectType: 'node', subjectId: s.nodeId, message: 'agent disconnected' });
    this.d.log.info('agent disconnected', { nodeId: s.nodeId });
  }

  /**
   * Decides a step's outcome: it leaves the open set now; the store write and the step event go into this
   * turn's transaction, and waiting dispatches resolve once it committed.
   */
  private finish(o: OpenStep, out: StepOutcome): void {
    if (this.open.get(o.id) !== o) return;
    this.open.delete(o.id);
    this.deciding.add(o.id);
    let r: StepResult = {
      stepId: o.id, nodeId: o.nodeId, kind: o.kind, success: out.success, changed: out.changed, outputs: out.outputs,
      errorCode: out.errorCode ?? undefined, errorMessage: out.errorMessage ?? undefined, attempts: Math.max(o.attempts, out.attempts),
    };
    this.later({
      write: () => {
        if (!this.d.steps.finish(o.id, out)) {
          // Already finished in the store (cannot happen while this hub is the only writer): answer with that.
          const stored = this.d.steps.get(o.id);
          if (stored) r = resultOf(stored);
          return;
        }
        this.d.bus.publish({
          kind: r.success ? 'agent.step.succeeded' : 'agent.step.failed',
          subjectType: 'node', subjectId: o.nodeId, severity: r.success ? 'info' : 'error',
          message: r.success ? `step ${o.id} (${o.kind}) succeeded${r.changed ? '' : ', nothing changed'}` : `step ${o.id} (${o.kind}) failed: ${r.errorCode}: ${r.errorMessage ?? ''}`,
          data: { stepId: o.id, kind: o.kind, changed: r.changed, errorCode: r.errorCode, attempts: r.attempts },
        });
      },
      after: () => {
        this.deciding.delete(o.id);
        const set = this.waiters.get(o.id);
        this.waiters.delete(o.id);
        for (const w of set ?? []) w.resolve(r);
      },
      // Not stored: the step is open again (the agent resends an unacknowledged result; the sweep times it out).
      failed: () => {
        this.deciding.delete(o.id);
        this.open.set(o.id, o);
      },
    });
  }

  /** Queues a write (and what depends on it) for this turn's transaction. */
  private later(w: PendingWrite): void {
    this.pending.push(w);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Commits the queued writes in one transaction, then runs what waited for them. Runs once per event-loop
   * turn by itself; revoke, the sweep and stop call it directly. Should the transaction fail, every write is
   * tried alone, so one bad write costs only its own effects.
   */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.d.steps.transaction(() => {
        for (const w of batch) w.write?.();
      });
    } catch (err) {
      this.d.log.warn('agent hub: batched store write failed; writing one at a time', { writes: batch.length, error: (err as Error).message });
      for (const w of batch) {
        try {
          if (w.write) this.d.steps.transaction(w.write);
        } catch (e) {
          this.d.log.error('agent hub: store write failed', { error: (e as Error).message });
          w.failed?.(e as Error);
          continue;
        }
        this.after(w);
      }
      return;
    }
    for (const w of batch) this.after(w);
  }

  /** One write's consequence; a failing one (a log subscriber, say) must not keep the others from running. */
  private after(w: PendingWrite): void {
    try {
      w.after?.();
    } catch (err) {
      this.d.log.warn('agent hub: a consequence of a store write failed', { error: (err as Error).message });
    }
  }

  private waitFor(stepId: string, signal: AbortSignal | undefined): Promise<StepResult> {
    // Stopped while the step was being stored: it is stored; the caller re-attaches after the restart.
    if (this.stopped) return Promise.reject(shuttingDown());
    return new Promise((resolve, reject) => {
      let set = this.waiters.get(stepId);
      if (!set) this.waiters.set(stepId, (set = new Set()));
      const onAbort = () => {
        set.delete(w);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const w = {
        resolve: (r: StepResult) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      set.add(w);
    });
  }

  /** Fails every open step of a node with `code`. */
  private failOpen(nodeId: string, code: string, message: string): void {
    for (const o of [...this.open.values()]) {
      if (o.nodeId === nodeId) this.finish(o, { success: false, changed: false, outputs: {}, errorCode: code, errorMessage: message, attempts: o.attempts });
    }
  }

  private lose(nodeId: string, why: string): void {
    const s = this.sessions.get(nodeId);
    if (s) {
      this.sessions.delete(nodeId);
      s.link.close('lost', why);
    }
    this.disconnectedSince.delete(nodeId);
    this.d.agents.setState(nodeId, 'lost');
    this.failOpen(nodeId, 'agent_lost', why);
    this.d.bus.publish({ kind: 'agent.lost', subjectType: 'node', subjectId: nodeId, severity: 'error', message: why });
    this.d.log.warn('agent lost', { nodeId, reason: why });
  }

  /** Heartbeats out, silent agents lost, absent agents given up on, overdue steps failed. */
  sweep(): void {
    this.flush();
    const now = this.now();
    const { heartbeatIntervalMs: interval, heartbeatTimeoutMs: timeout } = this.d.config;
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastSeen > timeout) {
        this.lose(s.nodeId, `agent silent for ${Math.round((now - s.lastSeen) / 1000)} s (heartbeat_timeout ${timeout / 1000} s)`);
      } else if (now - s.lastSent >= interval) {
        s.lastSent = now;
        s.link.send({ type: 'heartbeat' });
      }
    }
    for (const [nodeId, since] of [...this.disconnectedSince]) {
      if (now - since > timeout) this.lose(nodeId, `agent did not come back within ${timeout / 1000} s (heartbeat_timeout)`);
    }
    for (const o of [...this.open.values()]) {
      if (now > o.since + o.budgetMs + this.d.config.timeoutGraceMs) {
        this.finish(o, { success: false, changed: false, outputs: {}, errorCode: 'timeout', errorMessage: `no result within ${Math.round(o.budgetMs / 1000)} s`, attempts: o.attempts });
      }
    }
    this.flush();
  }

  get stats(): { sessions: number; inflight: number; queued: number; open: number } {
    return { sessions: this.sessions.size, inflight: this.inflight.inUse, queued: this.inflight.queued, open: this.open.size };
  }
}

function shuttingDown(): UnavailableError {
  return new UnavailableError('DAEMON_SHUTTING_DOWN', 'the undercloud daemon is shutting down; dispatch the step again to re-attach');
}

/** The longest a step may take with all its attempts and backoffs. */
export function stepBudgetMs(s: Pick<StepSpec, 'timeoutMs' | 'retry'>): number {
  return s.timeoutMs * s.retry.maxAttempts + s.retry.backoffMs * (s.retry.maxAttempts - 1);
}

export function compileStep(req: StepRequest): StepSpec {
  const id = req.id ?? randomUUID();
  if (!STEP_ID.test(id)) throw new InvalidStepError(`step id "${id}" must be 1-128 letters, digits, '.', '_', ':' or '-'`);
  if (!req.kind || !/^[a-z][a-z0-9_]*$/.test(req.kind)) throw new InvalidStepError(`step kind "${req.kind}" is not valid`);
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new InvalidStepError('step timeout must be a positive number of milliseconds');
  const maxAttempts = req.retry?.maxAttempts ?? 1;
  const backoffMs = req.retry?.backoffMs ?? 1000;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) throw new InvalidStepError('retry.maxAttempts must be 1-100');
  if (!Number.isInteger(backoffMs) || backoffMs < 0) throw new InvalidStepError('retry.backoffMs must be >= 0');
  return { id, kind: req.kind, params: req.params ?? {}, timeoutMs, retry: { maxAttempts, backoffMs } };
}

export type { CloseReason };
