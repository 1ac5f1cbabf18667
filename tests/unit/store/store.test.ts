import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import path from 'node:path';
import { Store, migrate, StoreError, type Migration } from '../../../undercloud/store/index.js';
import { EventBus } from '../../../undercloud/events/event-bus.js';
import { tempDir } from '../../helpers/tmp.js';

const tmpFile = () => path.join(tempDir('uc-store-'), 'store.sqlite');

describe('migrations', () => {
  const m1: Migration = { version: 1, name: 'one', up: 'CREATE TABLE a (x INTEGER)' };
  const m2: Migration = { version: 2, name: 'two', up: 'CREATE TABLE b (y INTEGER)' };

  it('applies pending migrations once, in order, and records them', () => {
    const db = new Database(':memory:');
    expect(migrate(db, 'mem', [m1])).toEqual([1]);
    expect(migrate(db, 'mem', [m1, m2])).toEqual([2]);
    expect(migrate(db, 'mem', [m1, m2])).toEqual([]);
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows).toEqual([{ version: 1, name: 'one' }, { version: 2, name: 'two' }]);
  });

  it('rolls a failed migration back whole and leaves the earlier version', () => {
    const db = new Database(':memory:');
    const bad: Migration = { version: 2, name: 'bad', up: 'CREATE TABLE c (z INTEGER); INSERT INTO nope VALUES (1);' };
    expect(() => migrate(db, 'mem', [m1, bad])).toThrow(/migration 2 \(bad\) failed on mem: .*left at version 1/);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'c'`).get()).toBeUndefined();
    expect(db.prepare('SELECT max(version) v FROM schema_migrations').get()).toEqual({ v: 1 });
  });

  it('refuses a store newer than the code', () => {
    const db = new Database(':memory:');
    migrate(db, 'mem', [m1, m2]);
    expect(() => migrate(db, 'mem', [m1])).toThrow(StoreError);
    expect(() => migrate(db, 'mem', [m1])).toThrow(/schema version 2, which this undercloud does not know \(its newest is 1\): it was written by a newer undercloud/);
  });

  it('applies a migration numbered below one already applied (versions are numbered by domain)', () => {
    const db = new Database(':memory:');
    const m401: Migration = { version: 401, name: 'bare metal', up: 'CREATE TABLE n (x INTEGER)' };
    expect(migrate(db, 'mem', [m1, m401])).toEqual([1, 401]);
    // A later release adds 302 (images): a store at 401 must still get it.
    const m302: Migration = { version: 302, name: 'images', up: 'CREATE TABLE i (x INTEGER)' };
    expect(migrate(db, 'mem', [m1, m302, m401])).toEqual([302]);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'i'`).get()).toEqual({ name: 'i' });
    expect(migrate(db, 'mem', [m1, m302, m401])).toEqual([]);
  });

  it('refuses migrations out of order', () => {
    expect(() => migrate(new Database(':memory:'), 'mem', [m2, m1])).toThrow(/out of order/);
  });

  it('opens a file store in WAL mode with the core schema', () => {
    const store = Store.open(tmpFile());
    expect(store.sql.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.schemaVersion()).toBeGreaterThanOrEqual(1);
    expect(store.counts()).toMatchObject({ events: 0, operations: 0 });
    store.close();
  });
});

describe('transactions', () => {
  it('commits all writes of tx() or none', () => {
    const store = Store.open(':memory:');
    expect(() =>
      store.tx(() => {
        store.events.append({ kind: 'a' });
        store.events.append({ kind: 'b' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.events.list()).toEqual([]);
    store.tx(() => {
      store.events.append({ kind: 'a' });
      store.events.append({ kind: 'b' });
    });
    expect(store.events.list().map((e) => e.kind)).toEqual(['a', 'b']);
  });

  it('nested tx joins the outer one', () => {
    const store = Store.open(':memory:');
    expect(() =>
      store.tx(() => {
        store.tx(() => store.events.append({ kind: 'inner' }));
        throw new Error('outer fails');
      }),
    ).toThrow();
    expect(store.events.lastId()).toBe(0);
  });

  it('delivers published events to watchers only after commit, and never for rollbacks', () => {
    const store = Store.open(':memory:');
    const bus = new EventBus(store);
    const seen: string[] = [];
    bus.subscribe({}, (e) => seen.push(e.kind));
    store.tx(() => {
      bus.publish({ kind: 'one' });
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual(['one']);
    expect(() => store.tx(() => {
      bus.publish({ kind: 'two' });
      throw new Error('rollback');
    })).toThrow();
    expect(seen).toEqual(['one']);
    bus.publish({ kind: 'three' });
    expect(seen).toEqual(['one', 'three']);
  });
});

describe('events', () => {
  it('filters by id, kind prefix (literally) and subject', () => {
    const store = Store.open(':memory:');
    store.events.append({ kind: 'node.power', subjectId: 'n1' });
    store.events.append({ kind: 'node_x.power', subjectId: 'n1' });
    store.events.append({ kind: 'stack.resource', subjectId: 's1', data: { a: 1 } });
    expect(store.events.list({ kinds: ['node.'] }).map((e) => e.kind)).toEqual(['node.power']);
    expect(store.events.list({ subjectId: 's1' })[0]!.data).toEqual({ a: 1 });
    expect(store.events.list({ afterId: 2 }).map((e) => e.id)).toEqual([3]);
    expect(store.events.list({ limit: 1 }).length).toBe(1);
  });
});
