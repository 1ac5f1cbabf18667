/**
 * OS::TripleO::Network::Ports: one server's addresses on the isolated networks its role is on (what THT
 * made of one OS::Neutron::Port per network). The addresses come from the undercloud's IPAM (NetworkPort),
 * which holds them under this resource's id until it is deleted; an update keeps the addresses of the
 * networks still asked for. Each network may carry what network_data.yaml says of it (ip_subnet, vlan, mtu):
 * the IPAM must agree, so a file changed but not provisioned again is an error rather than a stale interface,
 * and a change there changes this resource's properties, so the server's network config is applied again.
 */
import { randomUUID } from 'node:crypto';
import type { Outcome, ResourceContext, ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';
import type { NetworkPortRequest, ServerAddress } from '../ports.js';
import { ResourceFailure } from './errors.js';

interface NetworkItem {
  [k: string]: Json | undefined;
  network: string;
  subnet?: string;
  fixed_ip?: string | null;
  ip_subnet?: string;
  vlan?: number;
  mtu?: number;
}

interface PortsProps {
  [k: string]: Json;
  hostname: string;
  networks: NetworkItem[] & Json[];
}

export const NETWORK_PORTS_TYPE = 'OS::TripleO::Network::Ports';

export const networkPortsResource: ResourcePlugin<PortsProps> = {
  type: NETWORK_PORTS_TYPE,
  description: 'A server\'s addresses on the isolated networks, from the undercloud\'s IPAM.',
  properties: {
    type: 'object',
    additionalProperties: false,
    required: ['hostname'],
    properties: {
      hostname: { type: 'string', minLength: 1, updateAllowed: true },
      networks: {
        type: 'array',
        default: [],
        updateAllowed: true,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['network'],
          properties: {
            network: { type: 'string', minLength: 1 },
            subnet: { type: 'string' },
            // null: none (a template passes <Role>IPs' entry for its member, which may not exist).
            fixed_ip: { type: ['string', 'null'] },
            ip_subnet: { type: 'string' },
            vlan: { type: 'integer' },
            mtu: { type: 'integer' },
          },
        },
      },
    },
  },
  attributes: {
    ports: { description: 'One entry per network: network, name_lower, subnet, ip_address, ip_subnet, prefix_length, gateway_ip, vlan, mtu, dns_label.', schema: { type: 'array' } },
    ip_addresses: { description: 'name_lower -> the server\'s address on that network.', schema: { type: 'object' } },
  },
  create: async (ctx, p) => {
    const owner = randomUUID();
    try {
      return await ensure(ctx, owner, p);
    } catch (err) {
      // The id is only saved with a created resource: addresses a failed create took would be held by nobody.
      if (ctx.networks) await ctx.networks.release(owner, ctx.signal).catch(() => undefined);
      throw err;
    }
  },
  update: async (ctx, p, prev) => ensure(ctx, prev.refId ?? randomUUID(), p),
  delete: async (ctx, snap) => {
    if (snap.refId === undefined) return;
    await portOf(ctx).release(snap.refId, ctx.signal);
  },
};

function portOf(ctx: ResourceContext): NonNullable<ResourceContext['networks']> {
  if (!ctx.networks) throw new ResourceFailure('NETWORKS_UNAVAILABLE', `resource ${ctx.resourceName} (${NETWORK_PORTS_TYPE}): this undercloud has no networks service`);
  return ctx.networks;
}

async function ensure(ctx: ResourceContext, owner: string, p: PortsProps): Promise<Outcome> {
  const requests = p.networks.map((n): NetworkPortRequest => ({ network: n.network, ...(n.subnet ? { subnet: n.subnet } : {}), ...(n.fixed_ip ? { fixedIp: n.fixed_ip } : {}) }));
  // Nothing asked, nothing to hold: a server with no isolated networks needs no networks service.
  const addresses = requests.length === 0 && !ctx.networks ? [] : await portOf(ctx).ensurePorts(owner, p.hostname, requests, ctx.signal);
  p.networks.forEach((n, i) => checkAgrees(ctx, n, addresses[i]!));
  return {
    refId: owner,
    attributes: {
      ports: addresses.map((a) => ({
        network: a.network, name_lower: a.nameLower, subnet: a.subnet, ip_address: a.ipAddress, ip_subnet: a.cidr, prefix_length: a.prefixLength,
        gateway_ip: a.gateway ?? null, vlan: a.vlan ?? null, mtu: a.mtu, dns_label: a.nameLower.replace(/_/g, ''),
      })),
      ip_addresses: Object.fromEntries(addresses.map((a) => [a.nameLower, a.ipAddress])),
    },
  };
}

/** What the template says of a network (from network_data.yaml) against what the undercloud holds. */
function checkAgrees(ctx: ResourceContext, n: NetworkItem, a: ServerAddress): void {
  const differs: string[] = [];
  if (n.ip_subnet !== undefined && n.ip_subnet !== a.cidr) differs.push(`ip_subnet ${n.ip_subnet} (provisioned: ${a.cidr})`);
  if (n.vlan !== undefined && n.vlan !== (a.vlan ?? null)) differs.push(`vlan ${n.vlan} (provisioned: ${a.vlan ?? 'none'})`);
  if (n.mtu !== undefined && n.mtu !== a.mtu) differs.push(`mtu ${n.mtu} (provisioned: ${a.mtu})`);
  if (differs.length > 0) {
    throw new ResourceFailure('NETWORK_OUT_OF_DATE', `resource ${ctx.resourceName}: the template's network ${n.network} (subnet ${a.subnet}) has ${differs.join(', ')}: provision network_data.yaml again (overcloud network provision FILE, or deploy with -n FILE)`);
  }
}
