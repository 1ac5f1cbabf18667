/**
 * The agent hub: sessions of connected agents, step dispatch and results, logs, heartbeats, lost-agent
 * detection and step timeouts. Every step is stored before it is sent; every open step of a node is
 * (re)sent, in dispatch order, whenever that node's agent says hello, so restarts on either side lose
 * nothing. The agent keeps a journal of finished steps and answers a resent finished step from it.
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

interface Session {
  nodeId: string;
  serial: string;
  link: AgentLink;
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
  /** Steps stored but waiting for an in-flight slot: not sent yet even when their agent connects. */
  private readonly held = new Set<string>();
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
    // Steps a previous daemon had sent: their agents get heartbeat_timeout to come back before they are lost.
    for (const s of d.steps.open()) if (s.state !== 'pending') this.disconnectedSince.set(s.nodeId, this.now());
  }

  start(): void {
    const every = Math.max(50, Math.min(this.d.config.heartbeatIntervalMs, 1000));
    this.timer = setInterval(() => this.sweep(), every);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const s of [...this.sessions.values()]) s.link.close('shutdown', 'the undercloud daemon is shutting down');
    this.sessions.clear();
    const err = new UnavailableError('DAEMON_SHUTTING_DOWN', 'the undercloud daemon is shutting down; dispatch the step again to re-attach');
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
    this.failOpen(nodeId, 'revoked', `the agent credentials were revoked: ${reason}`, false);
    this.d.bus.publish({ kind: 'agent.revoked', subjectType: 'node', subjectId: nodeId, severity: 'warning', message: `agent credentials revoked: ${reason}`, data: r });
    this.d.log.info('agent credentials revoked', { nodeId, reason, ...r });
    return r;
  }

  onAgentConnected(listener: (nodeId: string, mode: AgentMode) => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
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
    if (this.stopped) throw new UnavailableError('DAEMON_SHUTTING_DOWN', 'the undercloud daemon is shutting down');
    const spec = compileStep(req);
    if (!NODE_ID_PATTERN.test(nodeId)) throw new InvalidStepError(`"${nodeId}" is not a valid node id`);
    const { step, created } = this.d.steps.create(nodeId, spec);
    if (!created && (step.nodeId !== nodeId || step.kind !== spec.kind)) {
      throw new StepConflictError(`step ${spec.id} already exists for node ${step.nodeId} (${step.kind})`);
    }
    if (step.state === 'succeeded' || step.state === 'failed') return resultOf(step);
    const done = this.waitFor(step.id, opts.signal);
    if (!created) return done;
    this.held.add(step.id);
    let release: () => void;
    try {
      release = await this.inflight.acquire(opts.signal);
    } catch (err) {
      this.held.delete(step.id);
      done.catch(() => undefined);
      throw err;
    }
    this.held.delete(step.id);
    const s = this.sessions.get(nodeId);
    const fresh = this.d.steps.get(step.id)!;
    if (s?.mode !== undefined && fresh.state === 'pending') this.send(s, fresh);
    return done.finally(release);
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

  attach(id: PeerIdentity, link: AgentLink): SessionHandle {
    const session: Session = { nodeId: id.nodeId, serial: id.serial, link, mode: undefined, lastSeen: this.now(), lastSent: this.now() };
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
      case 'ack':
        if (this.owned(s, ev.stepId)) this.d.steps.markRunning(ev.stepId, ev.attempt);
        return;
      case 'log': {
        if (!this.owned(s, ev.stepId)) return;
        const chunk = this.d.steps.appendLog({ stepId: ev.stepId, nodeId: s.nodeId, seq: ev.seq, stream: ev.stream, data: ev.data });
        if (chunk) for (const l of this.logListeners) l(chunk);
        return;
      }
      case 'result':
        if (this.owned(s, ev.stepId)) this.finish(ev.stepId, ev.outcome);
        // Acknowledge even a duplicate or foreign one, so the agent stops resending it.
        s.link.send({ type: 'resultAck', stepId: ev.stepId });
        return;
    }
  }

  private hello(s: Session, mode: AgentMode, version: string, hostname: string): void {
    const first = s.mode === undefined;
    s.mode = mode;
    this.disconnectedSince.delete(s.nodeId);
    this.d.agents.setState(s.nodeId, 'connected', { mode, version, hostname });
    s.link.send({ type: 'welcome', nodeId: s.nodeId, heartbeatIntervalMs: this.d.config.heartbeatIntervalMs });
    for (const step of this.d.steps.openForNode(s.nodeId)) if (!this.held.has(step.id)) this.send(s, step);
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
    const step = this.d.steps.get(stepId);
    if (step?.nodeId === s.nodeId) return true;
    this.d.log.warn('agent referred to a step that is not its own', { nodeId: s.nodeId, stepId });
    return false;
  }

  private send(s: Session, step: StepRecord): void {
    const spec: StepSpec = { id: step.id, kind: step.kind, params: step.params, timeoutMs: step.timeoutMs, retry: step.retry };
    s.link.send({ type: 'step', step: spec });
    s.lastSent = this.now();
    if (step.state === 'pending') this.d.steps.markSent(step.id);
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

  private finish(stepId: string, o: StepOutcome): void {
    if (!this.d.steps.finish(stepId, o)) return;
    const step = this.d.steps.get(stepId)!;
    const r = resultOf(step);
    this.d.bus.publish({
      kind: r.success ? 'agent.step.succeeded' : 'agent.step.failed',
      subjectType: 'node', subjectId: step.nodeId, severity: r.success ? 'info' : 'error',
      message: r.success ? `step ${stepId} (${step.kind}) succeeded${r.changed ? '' : ', nothing changed'}` : `step ${stepId} (${step.kind}) failed: ${r.errorCode}: ${r.errorMessage ?? ''}`,
      data: { stepId, kind: step.kind, changed: r.changed, errorCode: r.errorCode, attempts: r.attempts },
    });
    const set = this.waiters.get(stepId);
    this.waiters.delete(stepId);
    for (const w of set ?? []) w.resolve(r);
  }

  private waitFor(stepId: string, signal: AbortSignal | undefined): Promise<StepResult> {
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

  /** Fails a node's open steps (all of them, or only those its agent had) with `code`. */
  private failOpen(nodeId: string, code: string, message: string, onlySent: boolean): void {
    for (const step of this.d.steps.openForNode(nodeId)) {
      if (onlySent && step.state === 'pending') continue;
      this.finish(step.id, { success: false, changed: false, outputs: {}, errorCode: code, errorMessage: message, attempts: step.attempts });
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
    this.failOpen(nodeId, 'agent_lost', why, false);
    this.d.bus.publish({ kind: 'agent.lost', subjectType: 'node', subjectId: nodeId, severity: 'error', message: why });
    this.d.log.warn('agent lost', { nodeId, reason: why });
  }

  /** Heartbeats out, silent agents lost, absent agents given up on, overdue steps failed. */
  sweep(): void {
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
    for (const step of this.d.steps.open()) {
      const start = Date.parse(step.sentAt ?? step.createdAt);
      if (now > start + stepBudgetMs(step) + this.d.config.timeoutGraceMs) {
        this.finish(step.id, { success: false, changed: false, outputs: {}, errorCode: 'timeout', errorMessage: `no result within ${Math.round(stepBudgetMs(step) / 1000)} s`, attempts: step.attempts });
      }
    }
  }

  get stats(): { sessions: number; inflight: number; queued: number } {
    return { sessions: this.sessions.size, inflight: this.inflight.inUse, queued: this.inflight.queued };
  }
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
