/**
 * Bare-metal nodes, ports and provision history: the only SQL for them. The reservation is Ironic's
 * reserve_node/release_node: one conditional UPDATE, and a changed-row count of 0 means somebody else holds it.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from './store.js';
import type { HistoryEntry, NewNode, Node, NodeInterfaces, NodeProperties, Port, PowerState, PowerTarget } from '../baremetal/node.js';
import type { ProvisionState } from '../baremetal/states.js';

interface NodeRow {
  id: string; name: string; driver: string; interfaces: string; driver_info: string; properties: string;
  provision_state: string; target_provision_state: string | null; power_state: string | null; target_power_state: string | null;
  maintenance: number; maintenance_reason: string | null; fault: string | null; last_error: string | null; reservation: string | null;
  instance_info: string; extra: string; created_at: string; updated_at: string; provision_updated_at: string;
}

interface PortRow { id: string; node_id: string; address: string; pxe_enabled: number }
interface HistoryRow { id: number; node_id: string; ts: string; event: string; from_state: string; to_state: string; severity: 'info' | 'error'; message: string; purpose: string }

export interface NodeFilter {
  provisionState?: ProvisionState;
  maintenance?: boolean;
}

export interface NodePatch {
  name?: string;
  provisionState?: ProvisionState;
  targetProvisionState?: ProvisionState | null;
  powerState?: PowerState | null;
  targetPowerState?: PowerTarget | null;
  lastError?: string | null;
  maintenance?: boolean;
  maintenanceReason?: string | null;
  fault?: string | null;
  properties?: NodeProperties;
  driverInfo?: Record<string, string>;
  interfaces?: NodeInterfaces;
  instanceInfo?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

const now = () => new Date().toISOString();

export class NodesRepo {
  constructor(private readonly store: Store) {}

  create(n: NewNode): Node {
    const id = randomUUID();
    const ts = now();
    this.store.sql
      .prepare(`INSERT INTO bm_nodes (id, name, driver, interfaces, driver_info, properties, provision_state, extra, created_at, updated_at, provision_updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 'enroll', ?, ?, ?, ?)`)
      .run(id, n.name, n.driver, JSON.stringify(n.interfaces), JSON.stringify(n.driverInfo), JSON.stringify(n.properties), JSON.stringify(n.extra ?? {}), ts, ts, ts);
    const insPort = this.store.sql.prepare('INSERT INTO bm_ports (id, node_id, address, pxe_enabled, created_at) VALUES (?, ?, ?, 1, ?)');
    for (const mac of n.macs) insPort.run(randomUUID(), id, mac, ts);
    return this.get(id)!;
  }

  /** By id or by name. */
  get(idOrName: string): Node | undefined {
    const row = this.store.sql.prepare('SELECT * FROM bm_nodes WHERE id = ? OR name = ? LIMIT 1').get(idOrName, idOrName) as NodeRow | undefined;
    return row && fromRow(row);
  }

  list(f: NodeFilter = {}): Node[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.provisionState !== undefined) {
      where.push('provision_state = ?');
      params.push(f.provisionState);
    }
    if (f.maintenance !== undefined) {
      where.push('maintenance = ?');
      params.push(f.maintenance ? 1 : 0);
    }
    const sql = `SELECT * FROM bm_nodes ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY name`;
    return (this.store.sql.prepare(sql).all(...params) as NodeRow[]).map(fromRow);
  }

  /** Nodes in any of `states`. */
  inStates(states: readonly ProvisionState[]): Node[] {
    if (states.length === 0) return [];
    const rows = this.store.sql.prepare(`SELECT * FROM bm_nodes WHERE provision_state IN (${states.map(() => '?').join(',')}) ORDER BY name`).all(...states) as NodeRow[];
    return rows.map(fromRow);
  }

  countInStates(states: readonly ProvisionState[]): number {
    if (states.length === 0) return 0;
    const row = this.store.sql.prepare(`SELECT count(*) AS n FROM bm_nodes WHERE provision_state IN (${states.map(() => '?').join(',')})`).get(...states) as { n: number };
    return row.n;
  }

  update(id: string, p: NodePatch): Node {
    const sets: string[] = ['updated_at = @updated_at'];
    const ts = now();
    const params: Record<string, unknown> = { id, updated_at: ts };
    const put = (col: string, v: unknown) => {
      sets.push(`${col} = @${col}`);
      params[col] = v;
    };
    if (p.name !== undefined) put('name', p.name);
    if (p.provisionState !== undefined) {
      put('provision_state', p.provisionState);
      put('provision_updated_at', ts);
    }
    if (p.targetProvisionState !== undefined) put('target_provision_state', p.targetProvisionState);
    if (p.powerState !== undefined) put('power_state', p.powerState);
    if (p.targetPowerState !== undefined) put('target_power_state', p.targetPowerState);
    if (p.lastError !== undefined) put('last_error', p.lastError);
    if (p.maintenance !== undefined) put('maintenance', p.maintenance ? 1 : 0);
    if (p.maintenanceReason !== undefined) put('maintenance_reason', p.maintenanceReason);
    if (p.fault !== undefined) put('fault', p.fault);
    if (p.properties !== undefined) put('properties', JSON.stringify(p.properties));
    if (p.driverInfo !== undefined) put('driver_info', JSON.stringify(p.driverInfo));
    if (p.interfaces !== undefined) put('interfaces', JSON.stringify(p.interfaces));
    if (p.instanceInfo !== undefined) put('instance_info', JSON.stringify(p.instanceInfo));
    if (p.extra !== undefined) put('extra', JSON.stringify(p.extra));
    this.store.sql.prepare(`UPDATE bm_nodes SET ${sets.join(', ')} WHERE id = @id`).run(params);
    return this.get(id)!;
  }

  delete(id: string): boolean {
    return this.store.sql.prepare('DELETE FROM bm_nodes WHERE id = ?').run(id).changes === 1;
  }

  /** Takes the node's lock for `tag`; false when someone holds it already (0 rows changed). */
  reserve(id: string, tag: string): boolean {
    return this.store.sql.prepare('UPDATE bm_nodes SET reservation = ? WHERE id = ? AND reservation IS NULL').run(tag, id).changes === 1;
  }

  /** Releases the lock only if `tag` holds it. */
  release(id: string, tag: string): boolean {
    return this.store.sql.prepare('UPDATE bm_nodes SET reservation = NULL WHERE id = ? AND reservation = ?').run(id, tag).changes === 1;
  }

  /** Clears every reservation held by `tag` (a conductor that crashed); returns the node names. */
  clearReservations(tag: string): string[] {
    const rows = this.store.sql.prepare('SELECT name FROM bm_nodes WHERE reservation = ?').all(tag) as { name: string }[];
    this.store.sql.prepare('UPDATE bm_nodes SET reservation = NULL WHERE reservation = ?').run(tag);
    return rows.map((r) => r.name);
  }

  ports(nodeId: string): Port[] {
    return (this.store.sql.prepare('SELECT * FROM bm_ports WHERE node_id = ? ORDER BY address').all(nodeId) as PortRow[]).map(portFromRow);
  }

  allPorts(): Port[] {
    return (this.store.sql.prepare('SELECT * FROM bm_ports ORDER BY address').all() as PortRow[]).map(portFromRow);
  }

  portByAddress(mac: string): Port | undefined {
    const row = this.store.sql.prepare('SELECT * FROM bm_ports WHERE address = ?').get(mac) as PortRow | undefined;
    return row && portFromRow(row);
  }

  addHistory(e: Omit<HistoryEntry, 'id' | 'ts'>): void {
    this.store.sql
      .prepare('INSERT INTO bm_node_history (node_id, ts, event, from_state, to_state, severity, message, purpose) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.nodeId, now(), e.event, e.fromState, e.toState, e.severity, e.message, e.purpose);
  }

  history(nodeId: string, limit = 200): HistoryEntry[] {
    const rows = this.store.sql.prepare('SELECT * FROM bm_node_history WHERE node_id = ? ORDER BY id DESC LIMIT ?').all(nodeId, limit) as HistoryRow[];
    return rows.reverse().map((r) => ({ id: r.id, nodeId: r.node_id, ts: r.ts, event: r.event, fromState: r.from_state, toState: r.to_state, severity: r.severity, message: r.message, purpose: r.purpose }));
  }
}

function fromRow(r: NodeRow): Node {
  return {
    id: r.id, name: r.name, driver: r.driver,
    interfaces: JSON.parse(r.interfaces) as NodeInterfaces,
    driverInfo: JSON.parse(r.driver_info) as Record<string, string>,
    properties: JSON.parse(r.properties) as NodeProperties,
    provisionState: r.provision_state as ProvisionState,
    targetProvisionState: (r.target_provision_state ?? undefined) as ProvisionState | undefined,
    powerState: (r.power_state ?? undefined) as PowerState | undefined,
    targetPowerState: (r.target_power_state ?? undefined) as PowerTarget | undefined,
    maintenance: r.maintenance === 1, maintenanceReason: r.maintenance_reason ?? undefined, fault: r.fault ?? undefined,
    lastError: r.last_error ?? undefined, reservation: r.reservation ?? undefined,
    instanceInfo: JSON.parse(r.instance_info) as Record<string, unknown>,
    extra: JSON.parse(r.extra) as Record<string, unknown>,
    createdAt: r.created_at, updatedAt: r.updated_at, provisionUpdatedAt: r.provision_updated_at,
  };
}

function portFromRow(r: PortRow): Port {
  return { id: r.id, nodeId: r.node_id, address: r.address, pxeEnabled: r.pxe_enabled === 1 };
}
