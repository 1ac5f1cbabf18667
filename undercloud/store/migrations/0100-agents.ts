import type { Migration } from './types.js';

/**
 * Node agents: one-time enrollment tokens (hashes only), the enrolled agent per node with its current
 * certificate serial, revoked serials, steps (stored before they are sent) and their numbered log chunks.
 */
export const migration0100Agents: Migration = {
  version: 100,
  name: 'agents: enrollment tokens, agents, revoked certificates, steps, step logs',
  up: `
    CREATE TABLE agent_tokens (
      token_hash    TEXT    PRIMARY KEY,
      node_id       TEXT    NOT NULL,
      created_at    TEXT    NOT NULL,
      expires_at    TEXT    NOT NULL,
      used_at       TEXT
    );
    CREATE INDEX agent_tokens_node ON agent_tokens (node_id);

    CREATE TABLE agents (
      node_id          TEXT    PRIMARY KEY,
      cert_serial      TEXT    NOT NULL,
      cert_expires_at  TEXT    NOT NULL,
      enrolled_at      TEXT    NOT NULL,
      mode             TEXT    NOT NULL DEFAULT '',
      version          TEXT    NOT NULL DEFAULT '',
      hostname         TEXT    NOT NULL DEFAULT '',
      state            TEXT    NOT NULL DEFAULT 'enrolled',
      last_seen_at     TEXT
    );

    CREATE TABLE agent_revoked_certs (
      serial        TEXT    PRIMARY KEY,
      node_id       TEXT    NOT NULL,
      revoked_at    TEXT    NOT NULL,
      reason        TEXT    NOT NULL DEFAULT ''
    );

    CREATE TABLE agent_steps (
      id             TEXT    PRIMARY KEY,
      seq            INTEGER NOT NULL UNIQUE,
      node_id        TEXT    NOT NULL,
      kind           TEXT    NOT NULL,
      params         TEXT    NOT NULL DEFAULT '{}',
      timeout_ms     INTEGER NOT NULL,
      max_attempts   INTEGER NOT NULL DEFAULT 1,
      backoff_ms     INTEGER NOT NULL DEFAULT 0,
      state          TEXT    NOT NULL CHECK (state IN ('pending','sent','running','succeeded','failed')),
      attempts       INTEGER NOT NULL DEFAULT 0,
      changed        INTEGER NOT NULL DEFAULT 0,
      outputs        TEXT    NOT NULL DEFAULT '{}',
      error_code     TEXT,
      error_message  TEXT,
      created_at     TEXT    NOT NULL,
      sent_at        TEXT,
      finished_at    TEXT
    );
    CREATE INDEX agent_steps_node ON agent_steps (node_id, seq);
    CREATE INDEX agent_steps_open ON agent_steps (state) WHERE state IN ('pending','sent','running');

    CREATE TABLE agent_step_logs (
      step_id   TEXT    NOT NULL,
      seq       INTEGER NOT NULL,
      node_id   TEXT    NOT NULL,
      stream    TEXT    NOT NULL,
      data      TEXT    NOT NULL,
      ts        TEXT    NOT NULL,
      PRIMARY KEY (step_id, seq)
    );
    CREATE INDEX agent_step_logs_node ON agent_step_logs (node_id, step_id, seq);
  `,
};
