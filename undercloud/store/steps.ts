/**
 * Agent steps and their logs. A step row is written before the step is sent to an agent; its state moves
 * pending -> sent -> running -> succeeded | failed, and a finished step never changes again. Log chunks
 * are keyed (step_id, seq), so a chunk an agent resends after a reconnect is stored once.
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from './store.js';

export type StepState = 'pending' | 'sent' | 'running' | 'succeeded' | 'failed';
export const OPEN_STEP_STATES: readonly StepState[] = ['pending', 'sent', 'running'];

export interface RetryPolicy {
  maxAttempts: number;
  backoffMs: number;
}

export interface StepSpec {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  timeoutMs: number;
  retry: RetryPolicy;
}

export interface StepOutcome {
  success: boolean;
  changed: boolean;
  outputs: Record<string, unknown>;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  attempts: number;
}

export interface StepRecord extends StepSpec {
  nodeId: string;
  seq: number;
  state: StepState;
  attempts: number;
  changed: boolean;
  outputs: Record<string, unknown>;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  createdAt: string;
  sentAt: string | undefined;
  finishedAt: string | undefined;
}

export interface StepLogChunk {
  stepId: string;
  nodeId: string;
  seq: number;
  stream: string;
  data: string;
  ts: string;
}

interface StepRow {
  id: string; seq: number; node_id: string; kind: string; params: string; timeout_ms: number; max_attempts: number; backoff_ms: number;
  state: StepState; attempts: number; changed: number; outputs: string; error_code: string | null; error_message: string | null;
  created_at: string; sent_at: string | null; finished_at: string | null;
}

export class StepsRepo {
  constructor(private readonly store: Store) {}
  private q(sql: string): Statement {
    return this.store.prepare(sql);
  }

  /**
   * Stores a new pending step; returns the existing one unchanged when the id is already known. One
   * statement (its own transaction, or part of the caller's): the next seq is taken inside it.
   */
  create(nodeId: string, spec: StepSpec): { step: StepRecord; created: boolean } {
    const createdAt = new Date().toISOString();
    const params = JSON.stringify(spec.params);
    const r = this.q(`INSERT INTO agent_steps (id, seq, node_id, kind, params, timeout_ms, max_attempts, backoff_ms, state, created_at)
                          VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM agent_steps), ?, ?, ?, ?, ?, ?, 'pending', ?)
                          ON CONFLICT(id) DO NOTHING RETURNING seq`)
      .get(spec.id, nodeId, spec.kind, params, spec.timeoutMs, spec.retry.maxAttempts, spec.retry.backoffMs, createdAt) as { seq: number } | undefined;
    if (!r) return { step: this.get(spec.id)!, created: false };
    return {
      created: true,
      step: {
        ...spec, params: JSON.parse(params) as Record<string, unknown>, retry: { ...spec.retry }, nodeId, seq: r.seq, state: 'pending', attempts: 0,
        changed: false, outputs: {}, errorCode: undefined, errorMessage: undefined, createdAt, sentAt: undefined, finishedAt: undefined,
      },
    };
  }

  /** Runs `fn` in one transaction (the hub batches the writes of one event-loop turn). */
  transaction<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  /** The node a step belongs to and its state, without reading its parameters. */
  owner(id: string): { nodeId: string; state: StepState } | undefined {
    const r = this.q('SELECT node_id, state FROM agent_steps WHERE id = ?').get(id) as { node_id: string; state: StepState } | undefined;
    return r && { nodeId: r.node_id, state: r.state };
  }

  get(id: string): StepRecord | undefined {
    const r = this.q('SELECT * FROM agent_steps WHERE id = ?').get(id) as StepRow | undefined;
    return r && fromRow(r);
  }

  /** Unfinished steps of a node in the order they were dispatched. */
  openForNode(nodeId: string): StepRecord[] {
    return (this.q(`SELECT * FROM agent_steps WHERE node_id = ? AND state IN ('pending','sent','running') ORDER BY seq`).all(nodeId) as StepRow[]).map(fromRow);
  }

  /** Every unfinished step (the hub's timeout and lost-agent sweep). */
  open(): StepRecord[] {
    return (this.q(`SELECT * FROM agent_steps WHERE state IN ('pending','sent','running') ORDER BY seq`).all() as StepRow[]).map(fromRow);
  }

  listForNode(nodeId: string, limit = 1000): StepRecord[] {
    return (this.q('SELECT * FROM agent_steps WHERE node_id = ? ORDER BY seq DESC LIMIT ?').all(nodeId, limit) as StepRow[]).map(fromRow).reverse();
  }

  markSent(id: string): void {
    this.q(`UPDATE agent_steps SET state = 'sent', sent_at = coalesce(sent_at, ?) WHERE id = ? AND state = 'pending'`).run(new Date().toISOString(), id);
  }

  markRunning(id: string, attempt: number): void {
    this.q(`UPDATE agent_steps SET state = 'running', attempts = max(attempts, ?) WHERE id = ? AND state IN ('pending','sent','running')`).run(attempt, id);
  }

  /** Records the final outcome; false when the step was already finished (a duplicate result). */
  finish(id: string, o: StepOutcome): boolean {
    return (
      this.q(`UPDATE agent_steps SET state = ?, changed = ?, outputs = ?, error_code = ?, error_message = ?, attempts = max(attempts, ?), finished_at = ?
                  WHERE id = ? AND state IN ('pending','sent','running')`)
        .run(o.success ? 'succeeded' : 'failed', o.changed ? 1 : 0, JSON.stringify(o.outputs), o.errorCode ?? null, o.errorMessage ?? null, o.attempts, new Date().toISOString(), id).changes === 1
    );
  }

  /** Stores a log chunk once; false for a duplicate (step_id, seq). */
  appendLog(c: Omit<StepLogChunk, 'ts'>): StepLogChunk | undefined {
    const ts = new Date().toISOString();
    const n = this.q('INSERT OR IGNORE INTO agent_step_logs (step_id, seq, node_id, stream, data, ts) VALUES (?, ?, ?, ?, ?, ?)').run(c.stepId, c.seq, c.nodeId, c.stream, c.data, ts).changes;
    return n === 1 ? { ...c, ts } : undefined;
  }

  /** Log chunks of a node (or one of its steps) in step order then chunk order, after a cursor. */
  logs(f: { nodeId: string; stepId?: string | undefined; limit?: number }): StepLogChunk[] {
    const rows = f.stepId
      ? this.q('SELECT l.* FROM agent_step_logs l WHERE l.node_id = ? AND l.step_id = ? ORDER BY l.seq LIMIT ?').all(f.nodeId, f.stepId, f.limit ?? 100_000)
      : this.q('SELECT l.* FROM agent_step_logs l JOIN agent_steps s ON s.id = l.step_id WHERE l.node_id = ? ORDER BY s.seq, l.seq LIMIT ?')
          .all(f.nodeId, f.limit ?? 100_000);
    return (rows as { step_id: string; node_id: string; seq: number; stream: string; data: string; ts: string }[]).map((r) => ({
      stepId: r.step_id, nodeId: r.node_id, seq: r.seq, stream: r.stream, data: r.data, ts: r.ts,
    }));
  }
}

function fromRow(r: StepRow): StepRecord {
  return {
    id: r.id, seq: r.seq, nodeId: r.node_id, kind: r.kind, params: JSON.parse(r.params) as Record<string, unknown>, timeoutMs: r.timeout_ms,
    retry: { maxAttempts: r.max_attempts, backoffMs: r.backoff_ms }, state: r.state, attempts: r.attempts, changed: r.changed === 1,
    outputs: JSON.parse(r.outputs) as Record<string, unknown>, errorCode: r.error_code ?? undefined, errorMessage: r.error_message ?? undefined,
    createdAt: r.created_at, sentAt: r.sent_at ?? undefined, finishedAt: r.finished_at ?? undefined,
  };
}
