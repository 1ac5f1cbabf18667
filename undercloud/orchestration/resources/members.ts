/**
 * Shared by the resources whose child stack is a list of members (ResourceGroup, ResourceChain): the
 * attributes Heat gives them (refs, refs_map, attributes, resource.N[.attr], and any other name as the list
 * of that attribute over the members), computed from the members' stored reference ids and attributes.
 */
import type { Json } from '../template/types.js';
import type { NestedView, Outcome, ResourceSnapshot } from './types.js';
import { asRecord, dig } from './common.js';

/** Member names sort as numbers when they are numbers ("2" before "10"). */
export function byMemberName(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function collectMembers(child: NestedView, extra: Record<string, Json> = {}): Outcome {
  const members = [...child.resources].sort((a, b) => byMemberName(a.name, b.name));
  const refsMap: Record<string, Json> = {};
  const attrs: Record<string, Json> = {};
  for (const m of members) {
    refsMap[m.name] = m.refId ?? null;
    attrs[m.name] = m.attributes;
  }
  return {
    refId: child.stackId,
    attributes: { ...extra, refs: members.map((m) => m.refId ?? null), refs_map: refsMap, members: attrs, member_order: members.map((m) => m.name) },
  };
}

export function memberAttribute(snap: ResourceSnapshot, name: string, path: Json[]): Json | undefined {
  const a = snap.attributes;
  const members = asRecord(a.members);
  const order = (Array.isArray(a.member_order) ? a.member_order : []) as string[];
  if (name === 'refs' || name === 'refs_map' || name === 'removed_rsrc_list') return dig(a[name] ?? (name === 'removed_rsrc_list' ? [] : null), path);
  if (name === 'attributes') {
    // get_attr: [group, attributes, ATTR, ...]: a map of member name -> that attribute.
    const [attr, ...rest] = path;
    const out: Record<string, Json> = {};
    for (const m of order) out[m] = dig(asRecord(members[m])[String(attr)] ?? null, rest) ?? null;
    return out;
  }
  const dotted = /^resource\.([^.]+)(?:\.(.+))?$/.exec(name);
  if (dotted) {
    const [, member, attr] = dotted;
    const refs = asRecord(a.refs_map);
    if (!(member! in refs)) return undefined;
    if (attr === undefined) {
      // resource.N alone: the member's reference id, or with a path its attributes.
      return path.length === 0 ? refs[member!]! : dig(asRecord(members[member!]), path);
    }
    return dig(asRecord(members[member!])[attr] ?? null, path);
  }
  // Any other name: that attribute of every member, in member order.
  return order.map((m) => dig(asRecord(members[m])[name] ?? null, path) ?? null);
}
