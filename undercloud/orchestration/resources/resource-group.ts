/**
 * OS::Heat::ResourceGroup: `count` copies of `resource_def` in a child stack, named "0", "1", ... with
 * `index_var` replaced by the member's name. Scaling down removes the names listed in `removal_policies`
 * first, then the highest; removed names are never reused (Heat's name blacklist): with mode `append` they
 * accumulate across updates, with `update` the latest policy replaces the list.
 */
import type { NestedSpec, ResourcePlugin, ResourceSnapshot } from './types.js';
import type { Json } from '../template/types.js';
import { asRecord, renderTemplate } from './common.js';
import { collectMembers, memberAttribute } from './members.js';

interface GroupProps {
  [k: string]: Json;
  count: number;
  index_var: string;
  resource_def: { type: string; properties?: Json; metadata?: Json };
  removal_policies: { resource_list: Json[] }[];
  removal_policies_mode: 'append' | 'update';
}

interface GroupHandle { removed: string[] }

/** Replaces `indexVar` in every string of `v` (keys too, as Heat does). */
export function substituteIndex(v: Json, indexVar: string, index: string): Json {
  if (typeof v === 'string') return v.split(indexVar).join(index);
  if (Array.isArray(v)) return v.map((x) => substituteIndex(x, indexVar, index));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) out[k.split(indexVar).join(index)] = substituteIndex(x, indexVar, index);
    return out;
  }
  return v;
}

/** Which member names exist after this update, and which names are blacklisted. */
export function planMembers(p: Pick<GroupProps, 'count' | 'removal_policies' | 'removal_policies_mode'>, prev: ResourceSnapshot | undefined): { names: string[]; removed: string[] } {
  const prevRemoved = ((prev?.handle as unknown as GroupHandle | undefined)?.removed ?? []).map(String);
  const refsMap = asRecord(prev?.attributes.refs_map);
  const byRef = new Map<string, string>();
  for (const [name, ref] of Object.entries(refsMap)) if (typeof ref === 'string') byRef.set(ref, name);
  const listed: string[] = [];
  for (const pol of p.removal_policies ?? []) {
    for (const entry of pol.resource_list ?? []) {
      // An entry names a member by name, or by its reference id.
      const s = String(entry);
      listed.push(byRef.get(s) ?? s);
    }
  }
  const removed = [...new Set(p.removal_policies_mode === 'update' ? listed : [...prevRemoved, ...listed])];
  const blocked = new Set(removed);
  const names: string[] = [];
  for (let i = 0; names.length < p.count; i++) if (!blocked.has(String(i))) names.push(String(i));
  return { names, removed };
}

export const resourceGroupResource: ResourcePlugin<GroupProps> = {
  type: 'OS::Heat::ResourceGroup',
  description: 'count identical resources in a nested stack; scales up and down honouring removal_policies.',
  properties: {
    type: 'object',
    additionalProperties: false,
    required: ['resource_def'],
    properties: {
      count: { type: 'integer', minimum: 0, default: 1, updateAllowed: true },
      index_var: { type: 'string', default: '%index%', updateAllowed: true },
      resource_def: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: { type: { type: 'string' }, properties: { type: 'object' }, metadata: { type: 'object' } },
        updateAllowed: true,
      },
      removal_policies: {
        type: 'array',
        default: [],
        items: { type: 'object', additionalProperties: false, properties: { resource_list: { type: 'array', default: [] } } },
        updateAllowed: true,
      },
      removal_policies_mode: { type: 'string', enum: ['append', 'update'], default: 'append', updateAllowed: true },
    },
  },
  attributes: {
    refs: { description: 'Reference ids of the members, in order.', schema: { type: 'array' } },
    refs_map: { description: 'Member name -> reference id.', schema: { type: 'object' } },
    attributes: { description: 'get_attr [group, attributes, ATTR]: member name -> ATTR.', schema: { type: 'object' } },
    removed_rsrc_list: { description: 'Names removed by removal policies.', schema: { type: 'array' } },
    'resource.N': { description: 'resource.N or resource.N.ATTR: a member reference id or attribute.' },
  },
  nested: {
    build(p, prev, ctx): NestedSpec {
      const { names, removed } = planMembers(p, prev);
      const def = p.resource_def;
      const resources: Record<string, { type: string; properties?: Json; metadata?: Json }> = {};
      for (const n of names) {
        resources[n] = { type: def.type, properties: substituteIndex(def.properties ?? {}, p.index_var, n) };
        if (def.metadata !== undefined) resources[n].metadata = substituteIndex(def.metadata, p.index_var, n);
      }
      const file = `.generated/${ctx.stackName}/${ctx.resourceName}.group.yaml`;
      return { templateFile: file, files: { [file]: renderTemplate(resources) }, parameters: {}, handle: { removed } satisfies GroupHandle as unknown as Json };
    },
    collect: (child, spec) => collectMembers(child, { removed_rsrc_list: ((spec.handle as unknown as GroupHandle | undefined)?.removed ?? []) as Json[] }),
  },
  getAttribute: memberAttribute,
};
