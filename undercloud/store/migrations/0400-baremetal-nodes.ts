import type { Migration } from './types.js';

/** Bare-metal nodes, their ports (MACs) and provision history. The reservation column is the node lock. */
export const migration0400BaremetalNodes: Migration = {
  version: 400,
  name: 'baremetal: nodes, ports, node history',
  up: `
    CREATE TABLE bm_nodes (
      id                      TEXT PRIMARY KEY,
      name                    TEXT NOT NULL UNIQUE,
      driver                  TEXT NOT NULL,
      interfaces              TEXT NOT NULL DEFAULT '{}',
      driver_info             TEXT NOT NULL DEFAULT '{}',
      properties              TEXT NOT NULL DEFAULT '{}',
      provision_state         TEXT NOT NULL,
      target_provision_state  TEXT,
      power_state             TEXT,
      target_power_state      TEXT,
      maintenance             INTEGER NOT NULL DEFAULT 0,
      maintenance_reason      TEXT,
      last_error              TEXT,
      reservation             TEXT,
      instance_info           TEXT NOT NULL DEFAULT '{}',
      extra                   TEXT NOT NULL DEFAULT '{}',
      created_at              TEXT NOT NULL,
      updated_at              TEXT NOT NULL,
      provision_updated_at    TEXT NOT NULL
    );
    CREATE INDEX bm_nodes_state ON bm_nodes (provision_state);
    CREATE INDEX bm_nodes_reservation ON bm_nodes (reservation);

    CREATE TABLE bm_ports (
      id           TEXT PRIMARY KEY,
      node_id      TEXT NOT NULL REFERENCES bm_nodes(id) ON DELETE CASCADE,
      address      TEXT NOT NULL UNIQUE,
      pxe_enabled  INTEGER NOT NULL DEFAULT 1,
      created_at   TEXT NOT NULL
    );
    CREATE INDEX bm_ports_node ON bm_ports (node_id);

    CREATE TABLE bm_node_history (
      id          INTEGER PRIMARY KEY AUTOINCREMENT,
      node_id     TEXT NOT NULL REFERENCES bm_nodes(id) ON DELETE CASCADE,
      ts          TEXT NOT NULL,
      event       TEXT NOT NULL,
      from_state  TEXT NOT NULL,
      to_state    TEXT NOT NULL,
      severity    TEXT NOT NULL DEFAULT 'info',
      message     TEXT NOT NULL DEFAULT '',
      purpose     TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX bm_node_history_node ON bm_node_history (node_id, id);
  `,
};
