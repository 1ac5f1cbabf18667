import type { Migration } from './types.js';

/**
 * Orchestration: stacks (root stacks the operator names, and nested stacks with their parent), their
 * resources (one row per resource, keyed by stack and name, written only when they change), software configs
 * and wait-condition signals.
 */
export const migration0200Orchestration: Migration = {
  version: 200,
  name: 'orchestration: stacks, stack_resources, software_configs, wait_signals',
  up: `
    CREATE TABLE stacks (
      id              TEXT PRIMARY KEY,
      name            TEXT NOT NULL,
      parent_id       TEXT REFERENCES stacks (id) ON DELETE CASCADE,
      parent_resource TEXT,
      root_id         TEXT NOT NULL,
      action          TEXT NOT NULL,
      status          TEXT NOT NULL CHECK (status IN ('IN_PROGRESS','COMPLETE','FAILED')),
      status_reason   TEXT NOT NULL DEFAULT '',
      template        TEXT NOT NULL,
      outputs         TEXT,
      timeout_minutes INTEGER,
      created_at      TEXT NOT NULL,
      updated_at      TEXT NOT NULL
    );
    CREATE UNIQUE INDEX stacks_root_name ON stacks (name) WHERE parent_id IS NULL;
    CREATE INDEX stacks_parent ON stacks (parent_id);
    CREATE INDEX stacks_root ON stacks (root_id);

    CREATE TABLE stack_resources (
      stack_id        TEXT NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
      name            TEXT NOT NULL,
      type            TEXT NOT NULL,
      action          TEXT NOT NULL,
      status          TEXT NOT NULL CHECK (status IN ('IN_PROGRESS','COMPLETE','FAILED')),
      status_reason   TEXT NOT NULL DEFAULT '',
      ref_id          TEXT,
      handle          TEXT,
      attributes      TEXT NOT NULL DEFAULT '{}',
      properties      TEXT,
      requires        TEXT NOT NULL DEFAULT '[]',
      nested_stack_id TEXT,
      deletion_policy TEXT NOT NULL DEFAULT 'Delete',
      position        INTEGER NOT NULL DEFAULT 0,
      updated_at      TEXT NOT NULL,
      PRIMARY KEY (stack_id, name)
    ) WITHOUT ROWID;

    CREATE TABLE software_configs (
      id         TEXT PRIMARY KEY,
      stack_id   TEXT NOT NULL,
      body       TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE INDEX software_configs_stack ON software_configs (stack_id);

    CREATE TABLE wait_signals (
      handle_id  TEXT NOT NULL,
      seq        INTEGER NOT NULL,
      data       TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (handle_id, seq)
    ) WITHOUT ROWID;
  `,
};
