import type { Store } from './store.js';

export type Severity = 'info' | 'warning' | 'error';

export interface NewEvent {
  kind: string;
  subjectType?: string;
  subjectId?: string;
  severity?: Severity;
  message?: string;
  data?: Record<string, unknown>;
}

export interface StoredEvent {
  id: number;
  ts: string;
  kind: string;
  subjectType: string;
  subjectId: string;
  severity: Severity;
  message: string;
  data: Record<string, unknown>;
}

export interface EventFilter {
  afterId?: number;
  limit?: number;
  /** Kind prefixes; an event matches when its kind starts with any of them. */
  kinds?: readonly string[];
  subjectId?: string;
}

interface EventRow {
  id: number; ts: string; kind: string; subject_type: string; subject_id: string; severity: Severity; message: string; data: string;
}

export function matchesFilter(ev: StoredEvent, f: EventFilter): boolean {
  if (f.subjectId && ev.subjectId !== f.subjectId) return false;
  if (f.kinds && f.kinds.length > 0 && !f.kinds.some((k) => ev.kind.startsWith(k))) return false;
  return true;
}

export class EventsRepo {
  constructor(private readonly store: Store) {}

  append(ev: NewEvent): StoredEvent {
    const ts = new Date().toISOString();
    const row = {
      ts,
      kind: ev.kind,
      subject_type: ev.subjectType ?? '',
      subject_id: ev.subjectId ?? '',
      severity: ev.severity ?? 'info',
      message: ev.message ?? '',
      data: JSON.stringify(ev.data ?? {}),
    };
    const info = this.store
      .prepare('INSERT INTO events (ts, kind, subject_type, subject_id, severity, message, data) VALUES (@ts, @kind, @subject_type, @subject_id, @severity, @message, @data)')
      .run(row);
    return { id: Number(info.lastInsertRowid), ts, kind: row.kind, subjectType: row.subject_type, subjectId: row.subject_id, severity: row.severity, message: row.message, data: ev.data ?? {} };
  }

  list(f: EventFilter = {}): StoredEvent[] {
    const where: string[] = ['id > @afterId'];
    const params: Record<string, unknown> = { afterId: f.afterId ?? 0, limit: f.limit ?? 1000 };
    if (f.subjectId) {
      where.push('subject_id = @subjectId');
      params.subjectId = f.subjectId;
    }
    if (f.kinds && f.kinds.length > 0) {
      where.push('(' + f.kinds.map((_, i) => `kind LIKE @k${i} ESCAPE '\\'`).join(' OR ') + ')');
      f.kinds.forEach((k, i) => (params[`k${i}`] = k.replace(/[\\%_]/g, (c) => '\\' + c) + '%'));
    }
    const rows = this.store.sql.prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`).all(params) as EventRow[];
    return rows.map(fromRow);
  }

  lastId(): number {
    const row = this.store.sql.prepare('SELECT max(id) AS id FROM events').get() as { id: number | null };
    return row.id ?? 0;
  }
}

function fromRow(r: EventRow): StoredEvent {
  return { id: r.id, ts: r.ts, kind: r.kind, subjectType: r.subject_type, subjectId: r.subject_id, severity: r.severity, message: r.message, data: JSON.parse(r.data) as Record<string, unknown> };
}
