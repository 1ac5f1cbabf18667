/**
 * The SQLite store: the only place in the code base that opens the database. Repositories (one file per
 * aggregate in this folder) take a Store and are the only code that writes SQL.
 *
 * WAL with synchronous=NORMAL: a committed transaction survives the process being killed (SIGKILL) and the
 * file can never be corrupted by a crash; a power loss may lose the last transactions, never half of one.
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { migrations as defaultMigrations, type Migration } from './migrations/index.js';
import { StoreError } from './errors.js';
import { EventsRepo } from './events.js';
import { OperationsRepo } from './operations.js';

export interface StoreOptions {
  migrations?: readonly Migration[];
  readonly?: boolean;
}

export class Store {
  /** For repositories in store/ only. */
  readonly sql: Db;
  readonly path: string;
  readonly events: EventsRepo;
  readonly operations: OperationsRepo;
  private afterCommitQueue: (() => void)[] | undefined;
  private readonly statements = new Map<string, Statement>();

  private constructor(db: Db, file: string) {
    this.sql = db;
    this.path = file;
    this.events = new EventsRepo(this);
    this.operations = new OperationsRepo(this);
  }

  static open(file: string, options: StoreOptions = {}): Store {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    let db: Db;
    try {
      db = new Database(file, { readonly: options.readonly ?? false });
    } catch (err) {
      throw new StoreError(`cannot open store ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      if (!options.readonly) migrate(db, file, options.migrations ?? defaultMigrations);
      // The store holds BMC credentials, and its folder is searchable by others (dnsmasq, which drops
      // root, reads the state folder's dnsmasq/ and tftpboot/): only the owner may open the files.
      if (!options.readonly && file !== ':memory:') for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    } catch (err) {
      db.close();
      throw err;
    }
    return new Store(db, file);
  }

  /**
   * A prepared statement for `sql`, prepared once per store: repositories run the same few statements
   * thousands of times (a stack create, a fan-out to a thousand agents), and preparing is not free.
   */
  prepare(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.sql.prepare(sql)));
    return st;
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction: all its writes land, or none do. Nested calls join the outer
   * transaction (savepoints). Callbacks registered with afterCommit run once the outermost one commits.
   */
  tx<T>(fn: () => T): T {
    const outer = this.afterCommitQueue === undefined;
    if (outer) this.afterCommitQueue = [];
    let result: T;
    try {
      result = this.sql.transaction(fn).immediate();
    } catch (err) {
      if (outer) this.afterCommitQueue = undefined;
      throw err;
    }
    if (outer) {
      const queue = this.afterCommitQueue ?? [];
      this.afterCommitQueue = undefined;
      for (const cb of queue) cb();
    }
    return result;
  }

  /** Runs `cb` after the current transaction commits, or now when there is none (e.g. to notify watchers). */
  afterCommit(cb: () => void): void {
    if (this.afterCommitQueue === undefined) cb();
    else this.afterCommitQueue.push(cb);
  }

  schemaVersion(): number {
    return currentVersion(this.sql);
  }

  /** Row counts of every table but bookkeeping ones, for `undercloud status`. */
  counts(): Record<string, number> {
    const tables = this.sql
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_migrations','meta') ORDER BY name`)
      .all() as { name: string }[];
    const out: Record<string, number> = {};
    for (const { name } of tables) {
      out[name] = (this.sql.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
    }
    return out;
  }

  getMeta(key: string): string | undefined {
    const row = this.sql.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  integrityCheck(): string {
    return (this.sql.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
  }

  /**
   * A consistent copy of the whole database in `file`, which must not exist (VACUUM INTO: one read
   * transaction, so a daemon may keep writing; works on a read-only store). For `undercloud backup`.
   */
  snapshotTo(file: string): void {
    this.sql.prepare('VACUUM INTO ?').run(file);
    chmodSync(file, 0o600);
  }

  close(): void {
    if (this.sql.open) this.sql.close();
  }
}

function currentVersion(db: Db): number {
  const has = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (!has) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/** Applies pending migrations, each in its own transaction together with its version row. */
export function migrate(db: Db, file: string, list: readonly Migration[]): number[] {
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.version <= list[i - 1]!.version) {
      throw new StoreError(`migrations out of order: ${list[i - 1]!.version} then ${list[i]!.version}`);
    }
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  // By the set of applied versions, not the highest: versions are numbered by domain (migrations/index.ts),
  // so a new 0302 (images) may arrive after a store already has 0401 (bare metal), and must still run.
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const known = new Set(list.map((m) => m.version));
  const unknown = [...done].filter((v) => !known.has(v)).sort((a, b) => a - b);
  if (unknown.length > 0) {
    const newest = list.length === 0 ? 0 : list[list.length - 1]!.version;
    throw new StoreError(`store ${file} has schema version ${unknown.join(', ')}, which this undercloud does not know (its newest is ${newest}): it was written by a newer undercloud; upgrade the undercloud or restore a backup`);
  }
  const applied: number[] = [];
  for (const m of list) {
    if (done.has(m.version)) continue;
    const step = db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    });
    try {
      step.immediate();
    } catch (err) {
      throw new StoreError(`migration ${m.version} (${m.name}) failed on ${file}: ${(err as Error).message}; the store is left at version ${currentVersion(db)}`, { cause: err });
    }
    applied.push(m.version);
  }
  return applied;
}
