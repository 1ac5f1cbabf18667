/**
 * The networks IPAM on a real (in-memory) SQLite store: provisioning creates, updates and refuses as
 * Wallaby's network provision does; ports are handed out lowest-free, fixed, kept and released in
 * transactions, so a refused request leaves nothing behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../undercloud/store/store.js';
import { EventBus } from '../../../undercloud/events/event-bus.js';
import { NetworksService } from '../../../undercloud/networks/service.js';
import type { NetworkSpec } from '../../../undercloud/networks/types.js';
import { formatIPv4, parseCidr, parseIPv4 } from '../../../undercloud/networks/ipv4.js';
import { validateNetworkSpecs } from '../../../undercloud/networks/validate.js';

const api = (over: Partial<NetworkSpec['subnets'][number]> = {}): NetworkSpec => ({
  name: 'InternalApi', nameLower: 'internal_api', mtu: 1500, vip: true,
  subnets: [{ name: 'internal_api_subnet', cidr: '172.16.2.0/29', vlan: 20, allocationPools: [{ start: '172.16.2.2', end: '172.16.2.4' }], gateway: '172.16.2.1', ...over }],
});
const tenant: NetworkSpec = { name: 'Tenant', nameLower: 'tenant', mtu: 1450, vip: false, subnets: [{ name: 'tenant_subnet', cidr: '172.16.0.0/24', vlan: 50, allocationPools: [] }] };

let store: Store | undefined;
function service(): NetworksService {
  store = Store.open(':memory:');
  return new NetworksService(store, new EventBus(store));
}
afterEach(() => {
  store?.close();
  store = undefined;
});

describe('IPv4 helpers', () => {
  it('parses addresses and CIDRs, refusing host bits and leading zeros', () => {
    expect(parseIPv4('172.16.2.10')).toBe(0xac10020a);
    expect(formatIPv4(0xac10020a)).toBe('172.16.2.10');
    expect(parseIPv4('172.16.2.256')).toBeUndefined();
    expect(parseIPv4('172.016.2.1')).toBeUndefined();
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ prefix: 8, first: 0x0a000000, last: 0x0affffff });
    expect(parseCidr('10.0.0.5/24')).toBe('"10.0.0.5/24" has host bits set: the network is 10.0.0.0/24');
    expect(parseCidr('10.0.0.0/33')).toMatch(/is not an IPv4 CIDR/);
  });
});

describe('network rules', () => {
  it('names every broken rule with the path of its field', () => {
    const bad: NetworkSpec[] = [
      api({ gateway: '172.16.2.3' }),
      { ...tenant, name: 'InternalApi', subnets: [{ name: 'internal_api_subnet', cidr: '172.16.2.0/24', vlan: 20, allocationPools: [{ start: '172.16.2.9', end: '172.16.2.5' }, { start: '172.16.3.1', end: '172.16.3.2' }] }] },
    ];
    const msgs = validateNetworkSpecs(bad).map((p) => `${p.path.join('/')}: ${p.message}`);
    expect(msgs).toEqual([
      '0/subnets/internal_api_subnet/gateway_ip: gateway_ip 172.16.2.3 lies in allocation_pools[0] (172.16.2.2-172.16.2.4): a node could be given the gateway\'s address',
      '1/name: the network "InternalApi" is defined twice',
      '1/subnets/internal_api_subnet: the subnet "internal_api_subnet" is also network "InternalApi"\'s: subnet names are unique',
      '1/subnets/internal_api_subnet/allocation_pools: allocation_pools[0] starts at 172.16.2.9, after its end 172.16.2.5',
      '1/subnets/internal_api_subnet/allocation_pools: allocation_pools[1].start 172.16.3.1 is not a host address of 172.16.2.0/24',
      '1/subnets/internal_api_subnet/allocation_pools: allocation_pools[1].end 172.16.3.2 is not a host address of 172.16.2.0/24',
      '1/subnets/internal_api_subnet/ip_subnet: 172.16.2.0/24 overlaps 172.16.2.0/29 (subnet "internal_api_subnet" of network "InternalApi")',
      '1/subnets/internal_api_subnet/vlan: VLAN 20 is also subnet "internal_api_subnet"\'s (network "InternalApi"): the subnets share the nodes\' NIC, so each needs its own tag',
    ]);
  });
});

describe('NetworksService', () => {
  it('provisions: creates, leaves an identical network alone, updates a changed one, keeps the others', () => {
    const s = service();
    expect(s.provision([api(), tenant])).toMatchObject({ created: ['InternalApi', 'Tenant'], updated: [], unchanged: [] });
    expect(s.provision([api()])).toMatchObject({ created: [], updated: [], unchanged: ['InternalApi'] });
    const r = s.provision([api({ vlan: 21 })]);
    expect(r).toMatchObject({ updated: ['InternalApi'] });
    expect(r.networks.map((n) => `${n.name}:${n.subnets[0]!.vlan}`)).toEqual(['InternalApi:21', 'Tenant:50']);
    // A new network must get along with the ones provisioned before and not named.
    expect(() => s.provision([{ ...tenant, name: 'Other', nameLower: 'other', subnets: [{ name: 'other_subnet', cidr: '172.16.0.128/25', vlan: 60, allocationPools: [] }] }]))
      .toThrow(/Other: 172.16.0.128\/25 overlaps 172.16.0.0\/24 \(subnet "tenant_subnet" of network "Tenant"\) \(already provisioned\)/);
    expect(s.list()).toHaveLength(2);
  });

  it('hands out the lowest free address of the pools, never the gateway, and says when the pools are used up', () => {
    const s = service();
    s.provision([api()]);
    const got = ['a', 'b', 'c'].map((o) => s.ensurePorts(o, `host-${o}`, [{ network: 'internal_api' }])[0]!);
    expect(got.map((p) => p.ipAddress)).toEqual(['172.16.2.2', '172.16.2.3', '172.16.2.4']);
    expect(got[0]).toMatchObject({ network: 'InternalApi', nameLower: 'internal_api', subnet: 'internal_api_subnet', cidr: '172.16.2.0/29', prefixLength: 29, vlan: 20, mtu: 1500, gateway: '172.16.2.1' });
    expect(() => s.ensurePorts('d', 'host-d', [{ network: 'InternalApi' }])).toThrow(/host-d: no free address left in the allocation pools of internal_api_subnet \(172.16.2.0\/29, 3 held\)/);
    s.release('b');
    expect(s.ensurePorts('d', 'host-d', [{ network: 'InternalApi' }])[0]!.ipAddress).toBe('172.16.2.3');
  });

  it('fixed addresses: inside the CIDR (pools or not), not the gateway, not one held', () => {
    const s = service();
    s.provision([api()]);
    expect(s.ensurePorts('a', 'host-a', [{ network: 'internal_api', fixedIp: '172.16.2.6' }])[0]!.ipAddress).toBe('172.16.2.6');
    expect(() => s.ensurePorts('b', 'host-b', [{ network: 'internal_api', fixedIp: '172.16.2.6' }])).toThrow('host-b: the fixed address 172.16.2.6 on internal_api_subnet is held by host-a');
    expect(() => s.ensurePorts('b', 'host-b', [{ network: 'internal_api', fixedIp: '172.16.2.1' }])).toThrow(/is the gateway/);
    expect(() => s.ensurePorts('b', 'host-b', [{ network: 'internal_api', fixedIp: '172.16.2.7' }])).toThrow(/not a host address of internal_api_subnet/);
  });

  it('ensurePorts keeps what the owner holds, releases what it no longer asks for, and is all-or-nothing', () => {
    const s = service();
    s.provision([api(), tenant]);
    const first = s.ensurePorts('o', 'h', [{ network: 'internal_api' }, { network: 'tenant' }]);
    expect(s.ensurePorts('o', 'h', [{ network: 'internal_api' }, { network: 'tenant' }])).toEqual(first);
    // Renamed, then one network fewer: the kept address is the same, the other is free.
    const kept = s.ensurePorts('o', 'h2', [{ network: 'tenant' }]);
    expect(kept.map((p) => `${p.hostname} ${p.ipAddress}`)).toEqual([`h2 ${first[1]!.ipAddress}`]);
    expect(s.ports('internal_api')).toEqual([]);
    // An unknown network refuses the whole request: the tenant address asked with it was not taken.
    expect(() => s.ensurePorts('p', 'hp', [{ network: 'tenant' }, { network: 'storage' }])).toThrow(/the network storage is not provisioned \(provisioned: InternalApi, Tenant\): provision it first/);
    expect(s.portsOf('p')).toEqual([]);
    expect(() => s.ensurePorts('p', 'hp', [{ network: 'tenant', subnet: 'nope' }])).toThrow('the network Tenant has no subnet nope (it has tenant_subnet)');
  });

  it('refuses changes that would strand held addresses, and unprovisions networks nobody holds', () => {
    const s = service();
    s.provision([api(), tenant]);
    s.ensurePorts('o', 'ctl-0', [{ network: 'internal_api' }]);
    expect(() => s.provision([api({ cidr: '172.16.9.0/29', gateway: '172.16.9.1', allocationPools: [] })])).toThrow(/the subnet internal_api_subnet holds 1 address\(es\) in 172.16.2.0\/29; it cannot become 172.16.9.0\/29/);
    expect(() => s.unprovision(['InternalApi'])).toThrow('network InternalApi holds 1 address(es) (ctl-0): delete or scale down the stack\'s servers first');
    // Refused as a whole: Tenant, named first, is still there.
    expect(() => s.unprovision(['tenant', 'InternalApi'])).toThrow(/holds 1 address/);
    expect(s.list().map((n) => n.name)).toEqual(['InternalApi', 'Tenant']);
    expect(s.unprovision(['tenant'])).toEqual(['Tenant']);
    s.release('o');
    expect(s.unprovision(['InternalApi'])).toEqual(['InternalApi']);
    expect(s.list()).toEqual([]);
    expect(() => s.unprovision(['InternalApi'])).toThrow('no network "InternalApi" (no network is provisioned)');
  });
});
