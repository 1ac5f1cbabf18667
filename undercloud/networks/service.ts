/**
 * The undercloud's IPAM (what Wallaby's `overcloud network provision` keeps in the undercloud's Neutron):
 * networks are provisioned from network_data.yaml and outlive stacks; a stack's ports resource holds one
 * address per network for each server. Every change is one transaction, so two allocations never hand out
 * one address and a refused change leaves everything as it was.
 */
import type { EventBus } from '../events/event-bus.js';
import { NetworksRepo, type StoredPort, type StoredSubnet } from '../store/networks.js';
import type { Store } from '../store/store.js';
import { AddressUnavailableError, NetworkInUseError, NetworkInvalidError, NetworkNotFoundError } from './errors.js';
import { formatIPv4, hostRange, parseCidr, parseIPv4, type Cidr } from './ipv4.js';
import type { AllocatedPort, Network, NetworkSpec, PortRequest } from './types.js';
import { isHostAddress, validateNetworkSpecs } from './validate.js';

export interface ProvisionResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  networks: Network[];
}

export class NetworksService {
  private readonly repo: NetworksRepo;

  constructor(private readonly store: Store, private readonly bus: EventBus) {
    this.repo = new NetworksRepo(store);
  }

  list(): Network[] {
    return this.repo.list();
  }

  get(name: string): Network {
    const n = this.repo.find(name);
    if (!n) throw new NetworkNotFoundError(`no network "${name}"${this.known()}`);
    return n;
  }

  /** Every port, or those on one network. */
  ports(network?: string): StoredPort[] {
    return this.repo.ports(network === undefined ? undefined : this.get(network).id);
  }

  /**
   * Creates the networks that do not exist and brings the others to their description (Wallaby's network
   * provision: networks missing from `specs` are left alone). A subnet that holds ports keeps its CIDR
   * and cannot be dropped; the pools, gateway, VLAN and MTU may change.
   */
  provision(specs: NetworkSpec[]): ProvisionResult {
    const problems = validateNetworkSpecs(specs);
    if (problems.length > 0) throw new NetworkInvalidError(problems.map((p) => `${specs[p.path[0] as number]?.name ?? 'network'}: ${p.message}`).join('; '));
    const result: ProvisionResult = { created: [], updated: [], unchanged: [], networks: [] };
    this.store.tx(() => {
      // The file's networks must also get along with those provisioned before and not named in it.
      const named = new Set(specs.map((s) => s.name));
      const others = this.repo.list().filter((n) => !named.has(n.name));
      const clashes = validateNetworkSpecs([...others, ...specs]).filter((p) => (p.path[0] as number) >= others.length);
      if (clashes.length > 0) throw new NetworkInvalidError(clashes.map((p) => `${specs[(p.path[0] as number) - others.length]!.name}: ${p.message} (already provisioned)`).join('; '));
      for (const spec of specs) {
        const existing = this.repo.find(spec.name);
        if (!existing) {
          const id = this.repo.insertNetwork(spec);
          spec.subnets.forEach((s, i) => this.repo.putSubnet(id, i, s));
          result.created.push(spec.name);
          this.bus.publish({ kind: 'network.created', subjectType: 'network', subjectId: id, severity: 'info', message: `network ${spec.name} created (${spec.subnets.map((s) => `${s.name} ${s.cidr}${s.vlan ? ` vlan ${s.vlan}` : ''}`).join(', ')})`, data: { name: spec.name } });
          continue;
        }
        if (sameNetwork(existing, spec)) {
          result.unchanged.push(spec.name);
          continue;
        }
        const stored = this.repo.subnets(existing.id);
        for (const old of stored) {
          const next = spec.subnets.find((s) => s.name === old.name);
          const ports = this.repo.portCountOn(old.id);
          if (ports === 0) {
            if (!next) this.repo.deleteSubnet(old.id);
            continue;
          }
          if (!next) throw new NetworkInUseError(`network ${spec.name}: the subnet ${old.name} holds ${ports} address(es); it cannot be removed until the servers holding them are gone`);
          if (next.cidr !== old.cidr) throw new NetworkInUseError(`network ${spec.name}: the subnet ${old.name} holds ${ports} address(es) in ${old.cidr}; it cannot become ${next.cidr} until the servers holding them are gone`);
        }
        this.repo.updateNetwork(existing.id, spec);
        spec.subnets.forEach((s, i) => this.repo.putSubnet(existing.id, i, s));
        result.updated.push(spec.name);
        this.bus.publish({ kind: 'network.updated', subjectType: 'network', subjectId: existing.id, severity: 'info', message: `network ${spec.name} updated`, data: { name: spec.name } });
      }
    });
    result.networks = this.repo.list();
    return result;
  }

  /** Deletes networks that hold no address (Wallaby's network unprovision). */
  unprovision(names: string[]): string[] {
    return this.store.tx(() => {
      const gone: string[] = [];
      for (const name of names) {
        const n = this.get(name);
        if (n.portCount > 0) {
          const holders = [...new Set(this.repo.ports(n.id).map((p) => p.hostname))];
          throw new NetworkInUseError(`network ${n.name} holds ${n.portCount} address(es) (${holders.join(', ')}): delete or scale down the stack's servers first`);
        }
        this.repo.deleteNetwork(n.id);
        gone.push(n.name);
        this.bus.publish({ kind: 'network.deleted', subjectType: 'network', subjectId: n.id, severity: 'info', message: `network ${n.name} deleted`, data: { name: n.name } });
      }
      return gone;
    });
  }

  /**
   * Makes `owner` hold exactly one address per request, in request order: a port it already has on the
   * same subnet (with the same fixed address, when one is asked) is kept, the others are released, the
   * missing ones allocated. Idempotent, so a resumed create or update asks again safely.
   */
  ensurePorts(owner: string, hostname: string, requests: PortRequest[]): AllocatedPort[] {
    return this.store.tx(() => {
      const held = this.repo.portsOf(owner);
      const wanted = requests.map((r) => ({ r, subnet: this.subnetFor(r) }));
      const kept = new Set<string>();
      const out: AllocatedPort[] = [];
      for (const { r, subnet } of wanted) {
        if (wanted.filter((w) => w.subnet.networkId === subnet.networkId).length > 1) throw new NetworkInvalidError(`${hostname}: the network ${r.network} is asked for twice`);
        let port = held.find((p) => !kept.has(p.id) && p.subnetId === subnet.id && (r.fixedIp === undefined || p.ipAddress === r.fixedIp));
        if (!port) {
          const ip = r.fixedIp === undefined ? this.freeAddress(subnet, hostname) : this.fixedAddress(subnet, r.fixedIp, hostname);
          const id = this.repo.insertPort(subnet.id, owner, hostname, ip);
          port = this.repo.portsOf(owner).find((p) => p.id === id)!;
        } else if (port.hostname !== hostname) {
          this.repo.setPortHostname(port.id, hostname);
        }
        kept.add(port.id);
        out.push(toAllocated(port, hostname));
      }
      for (const p of held) if (!kept.has(p.id)) this.repo.deletePort(p.id);
      return out;
    });
  }

  /** Releases every address `owner` holds; nothing held is nothing to do. */
  release(owner: string): void {
    this.store.tx(() => {
      for (const p of this.repo.portsOf(owner)) this.repo.deletePort(p.id);
    });
  }

  portsOf(owner: string): AllocatedPort[] {
    return this.repo.portsOf(owner).map((p) => toAllocated(p, p.hostname));
  }

  private subnetFor(r: PortRequest): StoredSubnet {
    const n = this.repo.find(r.network);
    if (!n) throw new NetworkNotFoundError(`the network ${r.network} is not provisioned${this.known()}: provision it first (overcloud network provision network_data.yaml, or deploy with -n)`);
    const subnets = this.repo.subnets(n.id);
    const s = r.subnet === undefined ? subnets[0] : subnets.find((x) => x.name === r.subnet);
    if (!s) throw new NetworkNotFoundError(`the network ${n.name} has no subnet ${r.subnet ?? ''} (it has ${subnets.map((x) => x.name).join(', ') || 'none'})`);
    return s;
  }

  private freeAddress(s: StoredSubnet, hostname: string): string {
    const cidr = parseCidr(s.cidr) as Cidr;
    const taken = new Set(this.repo.addressesOn(s.id).map((a) => parseIPv4(a)!));
    const gateway = s.gateway === undefined ? undefined : parseIPv4(s.gateway);
    const pools = s.allocationPools.length > 0 ? s.allocationPools.map((p) => ({ start: parseIPv4(p.start)!, end: parseIPv4(p.end)! })) : [hostRange(cidr)];
    for (const p of pools) for (let a = p.start; a <= p.end; a++) if (a !== gateway && !taken.has(a)) return formatIPv4(a);
    throw new AddressUnavailableError(`${hostname}: no free address left in the allocation pools of ${s.name} (${s.cidr}, ${taken.size} held): widen allocation_pools in network_data.yaml and provision again`);
  }

  private fixedAddress(s: StoredSubnet, ip: string, hostname: string): string {
    const a = parseIPv4(ip);
    const cidr = parseCidr(s.cidr) as Cidr;
    if (a === undefined || !isHostAddress(cidr, a)) throw new NetworkInvalidError(`${hostname}: the fixed address ${ip} is not a host address of ${s.name} (${s.cidr})`);
    if (s.gateway !== undefined && parseIPv4(s.gateway) === a) throw new AddressUnavailableError(`${hostname}: the fixed address ${ip} is the gateway of ${s.name}`);
    const holder = this.repo.holderOf(s.id, formatIPv4(a));
    if (holder !== undefined) throw new AddressUnavailableError(`${hostname}: the fixed address ${ip} on ${s.name} is held by ${holder}`);
    return formatIPv4(a);
  }

  private known(): string {
    const names = this.repo.list().map((n) => n.name);
    return names.length > 0 ? ` (provisioned: ${names.join(', ')})` : ' (no network is provisioned)';
  }
}

function sameNetwork(n: Network, spec: NetworkSpec): boolean {
  const plain = (x: NetworkSpec): string => JSON.stringify({ l: x.nameLower, m: x.mtu, v: x.vip, d: x.dnsDomain ?? null, s: x.subnets.map((s) => [s.name, s.cidr, s.gateway ?? null, s.vlan ?? null, s.allocationPools]) });
  return plain(n) === plain(spec);
}

function toAllocated(p: StoredPort, hostname: string): AllocatedPort {
  const prefix = (parseCidr(p.cidr) as Cidr).prefix;
  return {
    id: p.id, owner: p.owner, hostname, network: p.network, nameLower: p.nameLower, subnet: p.subnet, ipAddress: p.ipAddress, cidr: p.cidr,
    prefixLength: prefix, ...(p.gateway ? { gateway: p.gateway } : {}), ...(p.vlan !== undefined ? { vlan: p.vlan } : {}), mtu: p.mtu,
    ...(p.dnsDomain ? { dnsDomain: p.dnsDomain } : {}),
  };
}
