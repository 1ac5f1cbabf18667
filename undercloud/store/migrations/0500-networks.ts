import type { Migration } from './types.js';

/**
 * The undercloud's IPAM for the overcloud's isolated networks (networks/): networks, their subnets, and
 * ports (one address of a subnet held by an owner, a stack's ports resource). An address is held once per
 * subnet (the unique key is what makes two concurrent allocations safe); a subnet with ports cannot be
 * dropped (no cascade from subnets to ports).
 */
export const migration0500Networks: Migration = {
  version: 500,
  name: 'networks: net_networks, net_subnets, net_ports',
  up: `
    CREATE TABLE net_networks (
      id          TEXT PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE,
      name_lower  TEXT NOT NULL UNIQUE,
      mtu         INTEGER NOT NULL,
      vip         INTEGER NOT NULL DEFAULT 0,
      dns_domain  TEXT,
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL
    );
    CREATE TABLE net_subnets (
      id               TEXT PRIMARY KEY,
      network_id       TEXT NOT NULL REFERENCES net_networks (id) ON DELETE CASCADE,
      name             TEXT NOT NULL UNIQUE,
      position         INTEGER NOT NULL,
      cidr             TEXT NOT NULL,
      gateway          TEXT,
      vlan             INTEGER,
      allocation_pools TEXT NOT NULL
    );
    CREATE TABLE net_ports (
      id          TEXT PRIMARY KEY,
      subnet_id   TEXT NOT NULL REFERENCES net_subnets (id),
      owner       TEXT NOT NULL,
      hostname    TEXT NOT NULL,
      ip_address  TEXT NOT NULL,
      created_at  TEXT NOT NULL,
      UNIQUE (subnet_id, ip_address)
    );
    CREATE INDEX net_ports_owner ON net_ports (owner);
  `,
};
