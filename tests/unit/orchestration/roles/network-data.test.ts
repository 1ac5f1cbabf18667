/** network_data.yaml (TripleO's v2 format): what it becomes, and every error at its line and column. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseNetworkData } from '../../../../undercloud/orchestration/roles/network-data.js';
import { renderRoles } from '../../../../undercloud/orchestration/roles/render-roles.js';

const T = path.resolve(import.meta.dirname, '../../../../templates');
const errors = (text: string) => parseNetworkData(text, 'network_data.yaml').errors.map((e) => `${e.pos.line}:${e.pos.col} ${e.message.replace(/^.*?network_data: /, '').replace(/ \(\d+(\.\w+)*\)$/, '')}`);

describe('network_data.yaml', () => {
  it('templates/network_data.yaml: five networks, name_lower kept, disabled ones left out', () => {
    const text = readFileSync(path.join(T, 'network_data.yaml'), 'utf8');
    const r = parseNetworkData(`${text}\n- name: Management\n  enabled: false\n  subnets: {management_subnet: {ip_subnet: 10.0.1.0/24, vlan: 60}}\n`, 'network_data.yaml');
    expect(r.errors).toEqual([]);
    expect(r.networks.map((n) => n.nameLower)).toEqual(['storage', 'storage_mgmt', 'internal_api', 'tenant', 'external']);
    expect(r.networks.find((n) => n.name === 'External')).toEqual({
      name: 'External', nameLower: 'external', mtu: 1500, vip: true,
      subnets: [{ name: 'external_subnet', cidr: '10.0.0.0/24', gateway: '10.0.0.1', vlan: 10, allocationPools: [{ start: '10.0.0.4', end: '10.0.0.250' }] }],
    });
    expect(r.jinja.map((n) => n['name_lower'])).toEqual(['storage', 'storage_mgmt', 'internal_api', 'tenant', 'external']);
  });

  it('defaults: name_lower is the name in lower case, mtu 1500, a pool-less subnet', () => {
    const r = parseNetworkData('- name: InternalApi\n  subnets:\n    api: {ip_subnet: 172.16.2.0/24, vlan: 20}\n', 'n.yaml');
    expect(r.errors).toEqual([]);
    expect(r.networks).toEqual([{ name: 'InternalApi', nameLower: 'internalapi', mtu: 1500, vip: false, subnets: [{ name: 'api', cidr: '172.16.2.0/24', vlan: 20, allocationPools: [] }] }]);
  });

  it('errors name the line and column of the field', () => {
    expect(errors('- name: InternalApi\n  mtu: 100\n')).toEqual(['2:8 /0/mtu must be >= 1280']);
    expect(errors([
      '- name: InternalApi',
      '  subnets:',
      '    internal_api_subnet:',
      '      ip_subnet: 172.16.2.5/24',
      '      vlan: 20',
      '- name: Tenant',
      '  subnets:',
      '    tenant_subnet:',
      '      ip_subnet: 172.16.0.0/24',
      '      allocation_pools: [{start: 172.16.1.4, end: 172.16.0.9}]',
      '      vlan: 20',
      '',
    ].join('\n'))).toEqual([
      '4:18 network InternalApi: "172.16.2.5/24" has host bits set: the network is 172.16.2.0/24',
      '10:25 network Tenant: allocation_pools[0].start 172.16.1.4 is not a host address of 172.16.0.0/24',
      '11:13 network Tenant: VLAN 20 is also subnet "internal_api_subnet"\'s (network "InternalApi"): the subnets share the nodes\' NIC, so each needs its own tag',
    ]);
  });

  it('the v1 layout, IPv6 and untagged subnets are refused, saying what to write instead', () => {
    expect(errors('- name: Storage\n  ip_subnet: 172.16.1.0/24\n  vlan: 30\n')).toEqual([
      '2:14 network Storage: "ip_subnet" belongs in a subnet (the v2 format: subnets: {storage_subnet: {ip_subnet: ...}})',
      '3:9 network Storage: "vlan" belongs in a subnet (the v2 format: subnets: {storage_subnet: {vlan: ...}})',
    ]);
    expect(errors('- name: Storage\n  ipv6: true\n  subnets: {s: {ip_subnet: 172.16.1.0/24, vlan: 30}}\n')).toEqual(['1:3 network Storage: IPv6 networks are not supported (IPv4 only)']);
    expect(errors('- name: Storage\n  subnets:\n    s:\n      ip_subnet: 172.16.1.0/24\n')).toEqual([
      '4:7 subnet s of network Storage has no vlan: the isolated networks are tagged VLANs on each node\'s control-plane NIC',
    ]);
  });

  it('roles_data networks become each member\'s Networks: the ones network_data defines, with their subnet, VLAN and MTU', () => {
    const nets = parseNetworkData(readFileSync(path.join(T, 'network_data.yaml'), 'utf8'), 'n.yaml').networks.filter((n) => n.name !== 'Tenant');
    const roles = renderRoles('- name: Compute\n  networks:\n    InternalApi: {subnet: internal_api_subnet}\n    Tenant: {subnet: tenant_subnet}\n- name: Edge\n  networks: [storage]\n', 'roles_data.yaml', nets);
    expect(roles.errors).toEqual([]);
    const member = (name: string) => {
      const group = roles.resources.find((r) => r.key === name)!.value;
      const props = group.kind === 'map' ? group.entries.find((e) => e.key === 'properties')!.value : undefined;
      const def = props?.kind === 'map' ? props.entries.find((e) => e.key === 'resource_def')!.value : undefined;
      const p = def?.kind === 'map' ? def.entries.find((e) => e.key === 'properties')!.value : undefined;
      const n = p?.kind === 'map' ? p.entries.find((e) => e.key === 'Networks')?.value : undefined;
      return n?.kind === 'list' ? n.items.map((i) => (i.kind === 'map' ? Object.fromEntries(i.entries.map((e) => [e.key, e.value.kind === 'literal' ? e.value.value : null])) : null)) : n;
    };
    // Tenant is not in this network_data: skipped, as TripleO does.
    expect(member('Compute')).toEqual([{ network: 'internal_api', subnet: 'internal_api_subnet', ip_subnet: '172.16.2.0/24', vlan: 20, mtu: 1500 }]);
    expect(member('Edge')).toEqual([{ network: 'storage', subnet: 'storage_subnet', ip_subnet: '172.16.1.0/24', vlan: 30, mtu: 1500 }]);
    // Without network_data (no -n) members get no Networks at all: their templates need not know of it.
    const plain = renderRoles('- name: Compute\n  networks: [InternalApi]\n', 'roles_data.yaml');
    expect(JSON.stringify(plain.resources.map((r) => r.key))).toBe('["Compute"]');
    expect(JSON.stringify(plain.resources)).not.toContain('Networks');
  });
});
