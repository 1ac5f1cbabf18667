/**
 * OS::TripleO::Server: a bare-metal server, provisioned through the ServerPort (the bare-metal service, or
 * the fake). `create` allocates a node by profile/capabilities and starts its deploy; `checkCreateComplete`
 * polls until the node is active; `delete` releases it. The reference id is the server id, which
 * deployments name in their `server` property.
 */
import type { CheckResult, ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';
import { ResourceFailure } from './errors.js';
import { asRecord, dig } from './common.js';

interface ServerProps {
  [k: string]: Json;
  name: string;
  profile: string;
  capabilities: Record<string, Json>;
  image: string;
  metadata: Record<string, Json>;
}

interface ServerHandle { serverId: string }

export const SERVER_TYPE = 'OS::TripleO::Server';

/** One key per ask (profile and capabilities, in any order): servers with equal keys compete for the same nodes. */
export function askKey(profile: string | undefined, capabilities: Record<string, string>): string {
  return JSON.stringify([profile ?? null, Object.entries(capabilities).sort()]);
}

/** What a server asks the pool for: its profile and capabilities, as the ServerPort matches them (strings). */
export function serverAsk(p: { profile?: Json; capabilities?: Json }): { profile: string | undefined; capabilities: Record<string, string> } {
  const capabilities: Record<string, string> = {};
  for (const [k, v] of Object.entries(asRecord(p.capabilities ?? {}))) capabilities[k] = String(v);
  return { profile: typeof p.profile === 'string' && p.profile !== '' ? p.profile : undefined, capabilities };
}

export const serverResource: ResourcePlugin<ServerProps> = {
  type: SERVER_TYPE,
  description: 'A bare-metal server allocated by profile and capabilities and deployed with the overcloud image.',
  // Allocation is idempotent per stack/resource key, and a replacement must not hold a second node: the old
  // server is released before its replacement is allocated.
  replaceOrder: 'delete-first',
  properties: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string' },
      profile: { type: 'string' },
      capabilities: { type: 'object', default: {} },
      image: { type: 'string', default: 'overcloud-full' },
      metadata: { type: 'object', default: {}, updateAllowed: true },
      // Accepted for template compatibility with OS::Nova::Server-shaped TripleO templates; not used by bare metal.
      flavor: { type: 'string', updateAllowed: true },
      key_name: { type: 'string', updateAllowed: true },
      user_data: { type: 'string', updateAllowed: true },
      user_data_format: { type: 'string', updateAllowed: true },
      software_config_transport: { type: 'string', updateAllowed: true },
      networks: { type: 'array', updateAllowed: true },
      scheduler_hints: { type: 'object', updateAllowed: true },
    },
  },
  attributes: {
    name: { description: 'The hostname.', schema: { type: 'string' } },
    hostname: { description: 'The hostname.', schema: { type: 'string' } },
    node_id: { description: 'The bare-metal node that was allocated.', schema: { type: 'string' } },
    networks: { description: 'Network name -> addresses.', schema: { type: 'object' } },
    ip_address: { description: 'The first ctlplane address.', schema: { type: 'string' } },
    os_collect_config: { description: 'Agent configuration (compatibility; empty).', schema: { type: 'object' } },
  },
  create: async (ctx, p) => {
    const hostname = p.name || `${ctx.stackName}-${ctx.resourceName}`;
    const { capabilities } = serverAsk(p);
    const serverId = await ctx.servers.allocate(
      { key: `${ctx.stackId}/${ctx.resourceName}`, hostname, profile: p.profile, capabilities, image: p.image, metadata: asRecord(p.metadata) },
      ctx.signal,
    );
    return { refId: serverId, handle: { serverId } satisfies ServerHandle as unknown as Json, attributes: { name: hostname, hostname } };
  },
  checkCreateComplete: async (ctx, snap): Promise<CheckResult> => {
    const { serverId } = snap.handle as unknown as ServerHandle;
    const st = await ctx.servers.status(serverId, ctx.signal);
    if (st.phase === 'deploying') return { done: false };
    if (st.phase === 'error') throw new ResourceFailure('SERVER_DEPLOY_FAILED', `server ${serverId} failed to deploy: ${st.error ?? 'unknown error'}`);
    const networks = (st.networks ?? {}) as Record<string, Json>;
    const ctl = networks.ctlplane;
    return { done: true, attributes: { ...snap.attributes, node_id: st.nodeId ?? null, networks, ip_address: Array.isArray(ctl) && ctl.length > 0 ? ctl[0]! : null, os_collect_config: {} } };
  },
  update: (_ctx, _p, prev) => ({ attributes: prev.attributes }),
  delete: async (ctx, snap) => {
    const h = snap.handle as unknown as ServerHandle | undefined;
    if (h?.serverId) await ctx.servers.release(h.serverId, ctx.signal);
  },
  getAttribute: (snap, name, path) => dig(snap.attributes[name], path),
};
