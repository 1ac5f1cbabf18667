/**
 * Which node serves which server (Ironic's allocation API, as metalsmith uses it): picking available nodes
 * by name, profile and capabilities for a batch of requests, the allocations `overcloud node provision`
 * made for a stack, and the node behind a server name. Pure functions over the node list: the service runs
 * them inside its transaction, so two allocations never pick the same node.
 */
import { NodeNotFoundError, NoNodeAvailableError } from './errors.js';
import type { Node } from './node.js';

export interface AllocationRequest {
  /** Marks the node as this server's (instance_info.allocation_key); the same key finds it again. */
  key: string;
  hostname: string;
  /** A specific node, by name or id. */
  node?: string | undefined;
  profile?: string | undefined;
  capabilities: Record<string, string>;
}

export interface Pick {
  req: AllocationRequest;
  node: Node;
  /** False when the node already held the request's key, or is adopted (nothing to deploy). */
  fresh: boolean;
  /** A node the stack allocated and deployed as this hostname, taken over as it is (`adoptable`). */
  adopted?: boolean;
}

const PROVISION_KEY_PREFIX = 'provision:';

/** The allocation key of an instance `overcloud node provision` made: stack and hostname. */
export function provisionKey(stack: string, hostname: string): string {
  return `${PROVISION_KEY_PREFIX}${stack}:${hostname}`;
}

function wanted(req: { profile?: string | undefined; capabilities: Record<string, string> }): Record<string, string> {
  return { ...req.capabilities, ...(req.profile ? { profile: req.profile } : {}) };
}

function matches(n: Node, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => n.properties.capabilities[k] === v);
}

function free(n: Node): boolean {
  return n.provisionState === 'available' && !n.maintenance && !n.reservation && n.instanceInfo.allocation_key === undefined;
}

/**
 * TripleO's adoption (metalsmith adopts what Nova deployed, for `overcloud node extract provisioned`):
 * a node the request names, that a stack allocated (orchestration's key, not a provision key) and that is
 * active as the request's hostname, is taken over as it is: its allocation becomes the request's, nothing
 * is deployed, and the stack's server that held it lets it go without undeploying it
 * (baremetal/orchestration-port.ts). Only by name: an instance never adopts a node it did not name.
 */
export function adoptable(n: Node, req: AllocationRequest): boolean {
  const key = n.instanceInfo.allocation_key;
  return n.provisionState === 'active' && !n.reservation && typeof key === 'string' && !isProvisionKey(key) && n.instanceInfo.hostname === req.hostname;
}

/** True for the allocation key of an instance `overcloud node provision` made. */
export function isProvisionKey(key: string): boolean {
  return key.startsWith(PROVISION_KEY_PREFIX);
}

/**
 * Picks a node for every request, or throws naming the first request that cannot be served (then nothing
 * is picked). Requests naming a node are served first, so a generic request never takes a named node.
 */
export function pickNodes(all: Node[], reqs: AllocationRequest[]): Pick[] {
  const taken = new Set<string>();
  const picks = new Map<AllocationRequest, Pick>();
  const ordered = [...reqs.filter((r) => r.node !== undefined), ...reqs.filter((r) => r.node === undefined)];
  for (const req of ordered) {
    const mine = all.find((x) => x.instanceInfo.allocation_key === req.key);
    if (mine) {
      taken.add(mine.id);
      picks.set(req, { req, node: mine, fresh: false });
      continue;
    }
    const want = wanted(req);
    let node: Node | undefined;
    if (req.node !== undefined) {
      node = all.find((x) => x.id === req.node || x.name === req.node);
      if (!node) throw new NodeNotFoundError(req.node);
      if (!taken.has(node.id) && adoptable(node, req)) {
        taken.add(node.id);
        picks.set(req, { req, node, fresh: false, adopted: true });
        continue;
      }
      const why = taken.has(node.id) ? 'is picked for another instance'
        : node.instanceInfo.allocation_key !== undefined ? `is allocated already (${String(node.instanceInfo.allocation_key)})`
        : node.maintenance ? 'is in maintenance'
        : node.reservation ? `is busy (${node.reservation})`
        : node.provisionState !== 'available' ? `is "${node.provisionState}", not available`
        : !matches(node, want) ? `does not have the capabilities ${JSON.stringify(want)} (it has ${JSON.stringify(node.properties.capabilities)})`
        : undefined;
      if (why) throw new NoNodeAvailableError(`node ${node.name} cannot serve ${req.hostname}: it ${why}`);
    } else {
      node = all.filter((x) => free(x) && !taken.has(x.id) && matches(x, want)).sort((a, b) => a.name.localeCompare(b.name))[0];
      if (!node) {
        const byState = new Map<string, number>();
        for (const x of all) byState.set(x.provisionState, (byState.get(x.provisionState) ?? 0) + 1);
        const summary = [...byState].map(([st, c]) => `${c} ${st}`).join(', ') || 'none enrolled';
        throw new NoNodeAvailableError(`no available node matches ${JSON.stringify(want)} for ${req.hostname} (nodes: ${summary}); enroll, introspect and provide more nodes, or tag them with profile capabilities`);
      }
    }
    taken.add(node.id);
    picks.set(req, { req, node, fresh: true });
  }
  return reqs.map((r) => picks.get(r)!);
}

/** New servers that ask for the same nodes (the orchestration ServerPort's ServerNeed). */
export interface CapacityNeed {
  profile?: string | undefined;
  capabilities: Record<string, string>;
  count: number;
  /** Where the servers are, for the message. */
  paths: string[];
}

/** Why a node that matches cannot be allocated now; undefined when it can. */
function busyBecause(n: Node): string | undefined {
  if (n.maintenance) return 'in maintenance';
  if (n.instanceInfo.allocation_key !== undefined) return n.provisionState === 'active' ? 'active' : `allocated, ${n.provisionState}`;
  if (n.reservation) return `busy: ${n.reservation}`;
  return n.provisionState === 'available' ? undefined : n.provisionState;
}

/**
 * The pre-flight of a stack action (ServerPort.shortfalls): serves every need from the free nodes, as
 * pickNodes would (by name, each node once), and says for each need it cannot serve how many it lacks and
 * where the matching nodes are instead, so the operator knows whether to wait (cleaning), provide
 * (manageable), or enroll and tag more.
 */
export function capacityShortfalls(all: Node[], needs: CapacityNeed[]): string[] {
  const taken = new Set<string>();
  const out: string[] = [];
  for (const need of needs) {
    const want = wanted(need);
    const matching = all.filter((n) => matches(n, want)).sort((a, b) => a.name.localeCompare(b.name));
    const free = matching.filter((n) => busyBecause(n) === undefined && !taken.has(n.id));
    for (const n of free.slice(0, need.count)) taken.add(n.id);
    if (free.length >= need.count) continue;
    const elsewhere = matching.filter((n) => !free.includes(n)).map((n) => `${n.name} ${taken.has(n.id) ? 'wanted by another role' : busyBecause(n)!}`);
    const shown = elsewhere.length > 6 ? [...elsewhere.slice(0, 6), `${elsewhere.length - 6} more`] : elsewhere;
    out.push(`${need.paths.join(', ')}: ${need.count} new server(s) need nodes with ${JSON.stringify(want)}, ${free.length} available`
      + (shown.length > 0 ? ` (the other matching nodes: ${shown.join(', ')})` : ' (no other node matches)'));
  }
  if (out.length > 0) out.push('provide more nodes (overcloud node import --provide, overcloud node provide), tag them with these capabilities, or lower the counts');
  return out;
}

/** The nodes `overcloud node provision` allocated for `stack`, with the hostname each serves. */
export function provisionedInstances(all: Node[], stack: string): { hostname: string; node: Node }[] {
  const prefix = provisionKey(stack, '');
  return all
    .filter((n) => typeof n.instanceInfo.allocation_key === 'string' && n.instanceInfo.allocation_key.startsWith(prefix))
    .map((n) => ({ hostname: (n.instanceInfo.allocation_key as string).slice(prefix.length), node: n }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname));
}

/**
 * The node behind a server as the orchestration engine names it: a node id (servers the engine allocated),
 * a node name, or the hostname a node was deployed as (a pre-provisioned OS::Heat::DeployedServer, named
 * after its hostname as TripleO names them; instance_info is cleared when a node is undeployed). Undefined when none or more than one node answers to it.
 */
export function nodeOfServer(all: Node[], server: string): Node | undefined {
  const direct = all.find((n) => n.id === server) ?? all.find((n) => n.name === server);
  if (direct) return direct;
  const byHostname = all.filter((n) => n.instanceInfo.hostname === server);
  return byHostname.length === 1 ? byHostname[0] : undefined;
}
