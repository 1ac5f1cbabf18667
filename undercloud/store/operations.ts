import { randomUUID } from 'node:crypto';
import type { Store } from './store.js';

/**
 * An operation is a long piece of work the daemon does on behalf of a request (a deploy, a stack update,
 * an image write). It is recorded before the work starts so that a restarted daemon knows what was in
 * flight: `running` rows found at start-up belonged to a daemon that died; `interrupted` rows belonged to
 * one that shut down gracefully before they finished. Recovery resumes or fails each one (daemon/recovery.ts).
 */
export type OperationState = 'running' | 'interrupted' | 'succeeded' | 'failed' | 'cancelled';

export interface Operation {
  id: string;
  kind: string;
  subjectType: string;
  subjectId: string;
  state: OperationState;
  detail: Record<string, unknown>;
  error: string | undefined;
  ownerPid: number | undefined;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | undefined;
}

interface OperationRow {
  id: string; kind: string; subject_type: string; subject_id: string; state: OperationState; detail: string;
  error: string | null; owner_pid: number | null; started_at: string; updated_at: string; finished_at: string | null;
}

export class OperationsRepo {
  constructor(private readonly store: Store) {}

  begin(kind: string, subject: { type?: string; id?: string } = {}, detail: Record<string, unknown> = {}): Operation {
    const now = new Date().toISOString();
    const id = randomUUID();
    this.store.sql
      .prepare(`INSERT INTO operations (id, kind, subject_type, subject_id, state, detail, owner_pid, started_at, updated_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)`)
      .run(id, kind, subject.type ?? '', subject.id ?? '', JSON.stringify(detail), process.pid, now, now);
    return this.get(id)!;
  }

  get(id: string): Operation | undefined {
    const row = this.store.sql.prepare('SELECT * FROM operations WHERE id = ?').get(id) as OperationRow | undefined;
    return row && fromRow(row);
  }

  /** Records progress the operation needs to resume (saved handles, offsets). */
  updateDetail(id: string, detail: Record<string, unknown>): void {
    this.store.sql.prepare('UPDATE operations SET detail = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(detail), new Date().toISOString(), id);
  }

  finish(id: string, state: 'succeeded' | 'failed' | 'cancelled', error?: string): void {
    const now = new Date().toISOString();
    this.store.sql.prepare('UPDATE operations SET state = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?').run(state, error ?? null, now, now, id);
  }

  /** Marks an operation that a graceful shutdown stopped before it finished. */
  interrupt(id: string, reason: string): void {
    this.store.sql.prepare(`UPDATE operations SET state = 'interrupted', error = ?, updated_at = ? WHERE id = ? AND state = 'running'`).run(reason, new Date().toISOString(), id);
  }

  /** Takes over an unfinished operation for this process (recovery resumed it). */
  adopt(id: string): void {
    this.store.sql.prepare(`UPDATE operations SET state = 'running', owner_pid = ?, error = NULL, updated_at = ? WHERE id = ?`).run(process.pid, new Date().toISOString(), id);
  }

  unfinished(): Operation[] {
    const rows = this.store.sql.prepare(`SELECT * FROM operations WHERE state IN ('running','interrupted') ORDER BY started_at, id`).all() as OperationRow[];
    return rows.map(fromRow);
  }

  list(limit = 100): Operation[] {
    const rows = this.store.sql.prepare('SELECT * FROM operations ORDER BY started_at DESC LIMIT ?').all(limit) as OperationRow[];
    return rows.map(fromRow);
  }

  countRunning(): number {
    return (this.store.sql.prepare(`SELECT count(*) AS n FROM operations WHERE state = 'running'`).get() as { n: number }).n;
  }
}

function fromRow(r: OperationRow): Operation {
  return {
    id: r.id, kind: r.kind, subjectType: r.subject_type, subjectId: r.subject_id, state: r.state,
    detail: JSON.parse(r.detail) as Record<string, unknown>, error: r.error ?? undefined, ownerPid: r.owner_pid ?? undefined,
    startedAt: r.started_at, updatedAt: r.updated_at, finishedAt: r.finished_at ?? undefined,
  };
}
