/**
 * TripleO's network_data.yaml (the v2 format Wallaby's `overcloud network provision` reads): a list of
 * networks, each `name`, `name_lower` (default: name in lower case), `mtu` (1500), `vip`, `dns_domain`,
 * `enabled` (true) and `subnets: {NAME: {ip_subnet, allocation_pools, gateway_ip, vlan}}`. Disabled
 * networks are left out. IPv4 only, and every subnet needs a `vlan`: the isolated networks ride tagged on
 * each node's control-plane NIC (one NIC per network is not modelled). Every error names the file, line and
 * column. The result feeds the IPAM (networks/) and the j2 templates' `networks`.
 */
import { Ajv } from 'ajv';
import { TemplateError } from '../errors.js';
import { rawToJson } from '../template/resolve.js';
import type { Json, Snippet } from '../template/types.js';
import { parseYaml } from '../template/yaml-source.js';
import type { NetworkSpec } from '../../networks/types.js';
import { validateNetworkSpecs } from '../../networks/validate.js';
import { nodeAt } from './render-roles.js';

export interface ParsedNetworkData {
  /** The enabled networks, as the IPAM takes them. */
  networks: NetworkSpec[];
  /** The enabled networks as the j2 templates see them (the file's keys, name_lower filled in). */
  jinja: { [k: string]: Json }[];
  errors: TemplateError[];
}

const pool = { type: 'object', required: ['start', 'end'], additionalProperties: false, properties: { start: { type: 'string' }, end: { type: 'string' } } };
const schema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
      name_lower: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
      enabled: { type: 'boolean' },
      vip: { type: 'boolean' },
      mtu: { type: 'integer', minimum: 1280, maximum: 9216 },
      dns_domain: { type: 'string' },
      service_net_map_replace: { type: 'string' },
      ipv6: { type: 'boolean' },
      subnets: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          properties: {
            ip_subnet: { type: 'string' },
            gateway_ip: { type: 'string' },
            allocation_pools: { type: 'array', items: pool },
            vlan: { type: 'integer', minimum: 1, maximum: 4094 },
            routes: { type: 'array' },
            physical_network: { type: 'string' },
          },
        },
      },
    },
  },
};
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

type Raw = { [k: string]: Json };

export function parseNetworkData(text: string, file: string): ParsedNetworkData {
  const out: ParsedNetworkData = { networks: [], jinja: [], errors: [] };
  const parsed = parseYaml(file, text);
  if (parsed.root === undefined) {
    out.errors.push(...parsed.errors);
    return out;
  }
  const root = parsed.root;
  const at = (path: (string | number)[]): Snippet => nodeAt(root, path.map(String)) ?? root;
  const error = (path: (string | number)[], message: string): void => void out.errors.push(new TemplateError('NETWORKS_INVALID', at(path).pos, path.map(String), `network_data: ${message}`));
  const data = rawToJson(root);
  if (!validate(data)) {
    for (const e of validate.errors ?? []) {
      const path = e.instancePath.split('/').filter(Boolean);
      error(path, `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`);
    }
    return out;
  }
  const indexOf: number[] = [];
  (data as Raw[]).forEach((n, i) => {
    if (n['enabled'] === false) return;
    const name = n['name'] as string;
    for (const key of ['ip_subnet', 'allocation_pools', 'vlan', 'gateway_ip']) {
      if (key in n) error([i, key], `network ${name}: "${key}" belongs in a subnet (the v2 format: subnets: {${(n['name_lower'] as string | undefined) ?? name.toLowerCase()}_subnet: {${key}: ...}})`);
    }
    if (n['ipv6'] === true || 'ipv6_subnet' in n) error([i], `network ${name}: IPv6 networks are not supported (IPv4 only)`);
    const subnets = Object.entries((n['subnets'] ?? {}) as Record<string, Raw>);
    for (const [sname, s] of subnets) {
      if ('ipv6_subnet' in s) error([i, 'subnets', sname, 'ipv6_subnet'], `subnet ${sname}: IPv6 subnets are not supported (IPv4 only)`);
      if (typeof s['ip_subnet'] !== 'string') error([i, 'subnets', sname], `subnet ${sname} of network ${name} has no ip_subnet`);
      if (typeof s['vlan'] !== 'number') error([i, 'subnets', sname], `subnet ${sname} of network ${name} has no vlan: the isolated networks are tagged VLANs on each node's control-plane NIC`);
    }
    const nameLower = (n['name_lower'] as string | undefined) ?? name.toLowerCase();
    indexOf.push(i);
    out.networks.push({
      name, nameLower, mtu: (n['mtu'] as number | undefined) ?? 1500, vip: n['vip'] === true,
      ...(typeof n['dns_domain'] === 'string' ? { dnsDomain: n['dns_domain'] } : {}),
      subnets: subnets.map(([sname, s]) => ({
        name: sname, cidr: String(s['ip_subnet'] ?? ''),
        ...(typeof s['gateway_ip'] === 'string' ? { gateway: s['gateway_ip'] } : {}),
        ...(typeof s['vlan'] === 'number' ? { vlan: s['vlan'] } : {}),
        allocationPools: ((s['allocation_pools'] ?? []) as { start: string; end: string }[]).map((p) => ({ start: p.start, end: p.end })),
      })),
    });
    out.jinja.push({ ...n, name_lower: nameLower });
  });
  if (out.errors.length > 0) return out;
  for (const p of validateNetworkSpecs(out.networks)) {
    const [i, ...rest] = p.path;
    const spec = out.networks[i as number]!;
    error([indexOf[i as number]!, ...rest], `network ${spec.name}: ${p.message}`);
  }
  return out;
}
