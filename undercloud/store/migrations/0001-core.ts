import type { Migration } from './types.js';

/** Events (the stored, resumable stream behind WatchEvents) and in-flight operations (for restart recovery). */
export const migration0001Core: Migration = {
  version: 1,
  name: 'core: events, operations, meta',
  up: `
    CREATE TABLE events (
      id            INTEGER PRIMARY KEY AUTOINCREMENT,
      ts            TEXT    NOT NULL,
      kind          TEXT    NOT NULL,
      subject_type  TEXT    NOT NULL DEFAULT '',
      subject_id    TEXT    NOT NULL DEFAULT '',
      severity      TEXT    NOT NULL DEFAULT 'info' CHECK (severity IN ('info','warning','error')),
      message       TEXT    NOT NULL DEFAULT '',
      data          TEXT    NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_subject ON events (subject_id, id);
    CREATE INDEX events_kind ON events (kind, id);

    CREATE TABLE operations (
      id            TEXT    PRIMARY KEY,
      kind          TEXT    NOT NULL,
      subject_type  TEXT    NOT NULL DEFAULT '',
      subject_id    TEXT    NOT NULL DEFAULT '',
      state         TEXT    NOT NULL CHECK (state IN ('running','interrupted','succeeded','failed','cancelled')),
      detail        TEXT    NOT NULL DEFAULT '{}',
      error         TEXT,
      owner_pid     INTEGER,
      started_at    TEXT    NOT NULL,
      updated_at    TEXT    NOT NULL,
      finished_at   TEXT
    );
    CREATE INDEX operations_state ON operations (state);

    CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};
