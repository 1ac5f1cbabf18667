/** The networks IPAM's rows (migration 500): the only SQL for networks, subnets and ports. */
import { randomUUID } from 'node:crypto';
import type { Store } from './store.js';
import type { AllocationPool, Network, NetworkSpec, SubnetSpec } from '../networks/types.js';

interface NetworkRow { id: string; name: string; name_lower: string; mtu: number; vip: number; dns_domain: string | null; created_at: string; updated_at: string; ports: number }
interface SubnetRow { id: string; network_id: string; name: string; cidr: string; gateway: string | null; vlan: number | null; allocation_pools: string }
interface PortRow {
  id: string; owner: string; hostname: string; ip_address: string; subnet_id: string;
  subnet: string; cidr: string; gateway: string | null; vlan: number | null;
  network: string; name_lower: string; mtu: number; dns_domain: string | null;
}

export interface StoredSubnet extends SubnetSpec {
  id: string;
  networkId: string;
}

export interface StoredPort {
  id: string;
  owner: string;
  hostname: string;
  ipAddress: string;
  subnetId: string;
  subnet: string;
  cidr: string;
  gateway?: string;
  vlan?: number;
  network: string;
  nameLower: string;
  mtu: number;
  dnsDomain?: string;
}

const PORT_SELECT = `SELECT p.id, p.owner, p.hostname, p.ip_address, p.subnet_id, s.name AS subnet, s.cidr, s.gateway, s.vlan,
  n.name AS network, n.name_lower, n.mtu, n.dns_domain
  FROM net_ports p JOIN net_subnets s ON s.id = p.subnet_id JOIN net_networks n ON n.id = s.network_id`;

export class NetworksRepo {
  constructor(private readonly store: Store) {}

  list(): Network[] {
    const rows = this.store.prepare(`SELECT n.*, (SELECT count(*) FROM net_ports p JOIN net_subnets s ON s.id = p.subnet_id WHERE s.network_id = n.id) AS ports
      FROM net_networks n ORDER BY n.name`).all() as NetworkRow[];
    return rows.map((r) => this.toNetwork(r));
  }

  /** By name or name_lower. */
  find(name: string): Network | undefined {
    const r = this.store.prepare(`SELECT n.*, (SELECT count(*) FROM net_ports p JOIN net_subnets s ON s.id = p.subnet_id WHERE s.network_id = n.id) AS ports
      FROM net_networks n WHERE n.name = ? OR n.name_lower = ?`).get(name, name) as NetworkRow | undefined;
    return r && this.toNetwork(r);
  }

  subnets(networkId: string): StoredSubnet[] {
    const rows = this.store.prepare('SELECT * FROM net_subnets WHERE network_id = ? ORDER BY position').all(networkId) as SubnetRow[];
    return rows.map(toSubnet);
  }

  subnetByName(name: string): StoredSubnet | undefined {
    const r = this.store.prepare('SELECT * FROM net_subnets WHERE name = ?').get(name) as SubnetRow | undefined;
    return r && toSubnet(r);
  }

  insertNetwork(spec: NetworkSpec): string {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.store.prepare('INSERT INTO net_networks (id, name, name_lower, mtu, vip, dns_domain, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, spec.name, spec.nameLower, spec.mtu, spec.vip ? 1 : 0, spec.dnsDomain ?? null, now, now);
    return id;
  }

  updateNetwork(id: string, spec: NetworkSpec): void {
    this.store.prepare('UPDATE net_networks SET name_lower = ?, mtu = ?, vip = ?, dns_domain = ?, updated_at = ? WHERE id = ?')
      .run(spec.nameLower, spec.mtu, spec.vip ? 1 : 0, spec.dnsDomain ?? null, new Date().toISOString(), id);
  }

  deleteNetwork(id: string): void {
    this.store.prepare('DELETE FROM net_networks WHERE id = ?').run(id);
  }

  /** Inserts or rewrites the subnet of this name on the network, at `position` among its subnets. */
  putSubnet(networkId: string, position: number, s: SubnetSpec): void {
    this.store.prepare(`INSERT INTO net_subnets (id, network_id, name, position, cidr, gateway, vlan, allocation_pools) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET position = excluded.position, cidr = excluded.cidr, gateway = excluded.gateway, vlan = excluded.vlan, allocation_pools = excluded.allocation_pools`)
      .run(randomUUID(), networkId, s.name, position, s.cidr, s.gateway ?? null, s.vlan ?? null, JSON.stringify(s.allocationPools));
  }

  deleteSubnet(id: string): void {
    this.store.prepare('DELETE FROM net_subnets WHERE id = ?').run(id);
  }

  /** Addresses held on the subnet. */
  addressesOn(subnetId: string): string[] {
    return (this.store.prepare('SELECT ip_address FROM net_ports WHERE subnet_id = ?').all(subnetId) as { ip_address: string }[]).map((r) => r.ip_address);
  }

  /** Who holds `ip` on the subnet (its hostname), if anyone. */
  holderOf(subnetId: string, ip: string): string | undefined {
    return (this.store.prepare('SELECT hostname FROM net_ports WHERE subnet_id = ? AND ip_address = ?').get(subnetId, ip) as { hostname: string } | undefined)?.hostname;
  }

  portCountOn(subnetId: string): number {
    return (this.store.prepare('SELECT count(*) AS n FROM net_ports WHERE subnet_id = ?').get(subnetId) as { n: number }).n;
  }

  insertPort(subnetId: string, owner: string, hostname: string, ipAddress: string): string {
    const id = randomUUID();
    this.store.prepare('INSERT INTO net_ports (id, subnet_id, owner, hostname, ip_address, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, subnetId, owner, hostname, ipAddress, new Date().toISOString());
    return id;
  }

  setPortHostname(id: string, hostname: string): void {
    this.store.prepare('UPDATE net_ports SET hostname = ? WHERE id = ?').run(hostname, id);
  }

  deletePort(id: string): void {
    this.store.prepare('DELETE FROM net_ports WHERE id = ?').run(id);
  }

  portsOf(owner: string): StoredPort[] {
    return (this.store.prepare(`${PORT_SELECT} WHERE p.owner = ? ORDER BY p.created_at, n.name`).all(owner) as PortRow[]).map(toPort);
  }

  /** Every port, or those of one network. */
  ports(networkId?: string): StoredPort[] {
    const rows = networkId === undefined
      ? this.store.prepare(`${PORT_SELECT} ORDER BY n.name, p.ip_address`).all()
      : this.store.prepare(`${PORT_SELECT} WHERE n.id = ? ORDER BY p.ip_address`).all(networkId);
    return (rows as PortRow[]).map(toPort);
  }

  private toNetwork(r: NetworkRow): Network {
    return {
      id: r.id, name: r.name, nameLower: r.name_lower, mtu: r.mtu, vip: r.vip === 1, ...(r.dns_domain ? { dnsDomain: r.dns_domain } : {}),
      subnets: this.subnets(r.id).map(({ id: _id, networkId: _n, ...s }) => s),
      createdAt: r.created_at, updatedAt: r.updated_at, portCount: r.ports,
    };
  }
}

function toSubnet(r: SubnetRow): StoredSubnet {
  return {
    id: r.id, networkId: r.network_id, name: r.name, cidr: r.cidr, ...(r.gateway ? { gateway: r.gateway } : {}),
    ...(r.vlan !== null ? { vlan: r.vlan } : {}), allocationPools: JSON.parse(r.allocation_pools) as AllocationPool[],
  };
}

function toPort(r: PortRow): StoredPort {
  return {
    id: r.id, owner: r.owner, hostname: r.hostname, ipAddress: r.ip_address, subnetId: r.subnet_id, subnet: r.subnet, cidr: r.cidr,
    ...(r.gateway ? { gateway: r.gateway } : {}), ...(r.vlan !== null ? { vlan: r.vlan } : {}),
    network: r.network, nameLower: r.name_lower, mtu: r.mtu, ...(r.dns_domain ? { dnsDomain: r.dns_domain } : {}),
  };
}
