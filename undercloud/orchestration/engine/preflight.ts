/**
 * The pre-flight node count of a create or update (TripleO's check before it touches the stack: enough
 * nodes for every role, instead of a "No valid host found" halfway through a deploy that already
 * started the other roles' servers). The new tree's servers (validate-tree.ts) minus the servers the stored
 * tree already holds, by what they ask for, are the new allocations; the ServerPort says which of them
 * the pool cannot serve together.
 */
import type { Json } from '../template/types.js';
import type { ServerNeed, ServerPort } from '../ports.js';
import { askKey, serverAsk } from '../resources/server.js';
import type { ServerDemand } from './validate-tree.js';

/** A stored server of the tree that holds a node (StacksRepo.treeResourcesOfType). */
export interface StoredServer {
  properties: Record<string, Json>;
}

/**
 * The servers still to allocate: the tree's demand less the stored servers holding a node with the same
 * ask (a server that stays keeps its node; one replaced in place gives its node to its replacement, as
 * servers are replaced delete-first). Stored servers of an ask the new tree no longer has free their
 * nodes only when deleted, so they are not counted as supply.
 */
export function serverNeeds(demand: ServerDemand[], stored: StoredServer[]): ServerNeed[] {
  const held = new Map<string, number>();
  for (const r of stored) {
    const a = serverAsk(r.properties);
    const k = askKey(a.profile, a.capabilities);
    held.set(k, (held.get(k) ?? 0) + 1);
  }
  return demand
    .map((d) => ({ profile: d.profile, capabilities: d.capabilities, paths: d.paths, count: d.count - (held.get(askKey(d.profile, d.capabilities)) ?? 0) }))
    .filter((n) => n.count > 0);
}

/**
 * What the pool cannot serve of the tree's new servers; empty when it can, or when the port sets no limit.
 * `stored` is read only when there is something to check.
 */
export function shortfalls(port: ServerPort, demand: ServerDemand[], stored: () => StoredServer[]): string[] {
  if (!port.shortfalls || demand.length === 0) return [];
  const needs = serverNeeds(demand, stored());
  return needs.length === 0 ? [] : port.shortfalls(needs);
}
