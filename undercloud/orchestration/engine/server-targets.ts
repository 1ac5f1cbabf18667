/**
 * The servers of a stack an operator names on the command line (`overcloud node delete HOST`,
 * `overcloud deploy --reapply-config HOST`): by hostname, server id, bare-metal node name or id, or, for a
 * pre-provisioned server, by the node it was deployed on.
 */
import type { ResourceRecord } from '../../store/stacks.js';
import { SERVER_TYPE } from '../resources/server.js';
import { DEPLOYED_SERVER_TYPE } from '../resources/deployed-server.js';
import { isRetired } from './retire.js';
import { ServerNotInStackError } from './errors.js';

/** Provisioned servers, and pre-provisioned ones. */
export const SERVER_TYPES = new Set([SERVER_TYPE, DEPLOYED_SERVER_TYPE]);

/** What the server port knows about nodes, to find a server by the node it runs on. */
export interface NodeLookups {
  /** The server id a bare-metal node name or id stands for, when the server port knows nodes. */
  serverOfNode?(nameOrId: string): string | undefined;
  /** The hostname a bare-metal node was deployed as, which names its pre-provisioned server. */
  hostnameOfNode?(nameOrId: string): string | undefined;
}

/** The live servers of a tree's resources (neither retired nor deleted, and created). */
export function liveServers(resources: ResourceRecord[]): ResourceRecord[] {
  return resources.filter((r) => SERVER_TYPES.has(r.type) && r.refId !== undefined && !isRetired(r.name) && r.action !== 'DELETE');
}

export function findServer(servers: ResourceRecord[], target: string, i: NodeLookups): ResourceRecord | undefined {
  const direct = servers.find((s) => hostnameOf(s) === target || s.refId === target || stringAttr(s, 'node_id') === target);
  if (direct) return direct;
  const id = i.serverOfNode?.(target);
  const byNode = id === undefined ? undefined : servers.find((s) => s.refId === id || stringAttr(s, 'node_id') === id);
  if (byNode) return byNode;
  // A pre-provisioned server, named by the node's name: the stack knows it by the hostname the node was deployed as.
  const hostname = i.hostnameOfNode?.(target);
  return hostname === undefined ? undefined : servers.find((s) => s.type === DEPLOYED_SERVER_TYPE && hostnameOf(s) === hostname);
}

/** The server each target names; an unknown target fails with the stack's hostnames. */
export function requireServers(stackName: string, servers: ResourceRecord[], targets: string[], i: NodeLookups, hint?: string): ResourceRecord[] {
  return targets.map((target) => {
    const server = findServer(servers, target, i);
    if (!server) throw new ServerNotInStackError(stackName, target, servers.map(hostnameOf).filter((h) => h !== '').sort(), hint);
    return server;
  });
}

export function hostnameOf(r: ResourceRecord): string {
  return stringAttr(r, 'hostname') || stringAttr(r, 'name');
}

/** What an operator knows a server record by: its hostname and, once deployed, its bare-metal node. */
export function serverNames(r: ResourceRecord): { hostname: string; nodeId: string } {
  return { hostname: hostnameOf(r), nodeId: stringAttr(r, 'node_id') };
}

export function stringAttr(r: ResourceRecord, key: string): string {
  const v = r.attributes[key];
  return typeof v === 'string' ? v : '';
}
