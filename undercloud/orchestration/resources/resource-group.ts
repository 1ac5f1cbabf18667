/**
 * OS::Heat::ResourceGroup: `count` copies of `resource_def` in a child stack, named "0", "1", ... with
 * `index_var` replaced by the member's name. Scaling down removes the names listed in `removal_policies`
 * first, then the highest; removed names are never reused (Heat's name blacklist): with mode `append` they
 * accumulate across updates, with `update` the latest policy replaces the list.
 * `update_policy`: `batch_create` creates the members `max_batch_size` at a time, and `rolling_update`
 * gives a changed `resource_def` to `max_batch_size` members at a time keeping `min_in_service`, with
 * `pause_time` seconds between batches (group-batches.ts).
 */
import type { NestedBatches, NestedSpec, NestedTemplate, ResourcePlugin, ResourceSnapshot } from './types.js';
import type { Json } from '../template/types.js';
import { asRecord, generatedFile, jsonEqual, memberType, renderTemplate, UNKNOWN } from './common.js';
import { collectMembers, memberAttribute } from './members.js';
import { assembleBatch, planBatches, type MemberDef } from './group-batches.js';

interface GroupProps {
  [k: string]: Json;
  count: number;
  index_var: string;
  resource_def: { type: string; properties?: Json; metadata?: Json };
  removal_policies: { resource_list: Json[] }[];
  removal_policies_mode: 'append' | 'update';
}

interface GroupHandle { removed: string[] }

interface BatchPolicy { max_batch_size: number; pause_time: number; min_in_service?: number }

const batchSchema = (rolling: boolean) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    max_batch_size: { type: 'integer', minimum: 1, default: 1 },
    pause_time: { type: 'number', minimum: 0, default: 0 },
    ...(rolling ? { min_in_service: { type: 'integer', minimum: 0, default: 0 } } : {}),
  },
});

/** Member `name`'s definition; `definedIn` is the template the group is written in (template paths are relative to it). */
function memberDef(p: Pick<GroupProps, 'resource_def' | 'index_var'>, name: string, definedIn: string): MemberDef {
  const def = p.resource_def;
  const m: MemberDef = { type: memberType(def.type, definedIn), properties: substituteIndex(def.properties ?? {}, p.index_var, name) };
  if (def.metadata !== undefined) m.metadata = substituteIndex(def.metadata, p.index_var, name);
  return m;
}

function groupFile(stackName: string, resourceName: string): string {
  return generatedFile(stackName, resourceName, 'group');
}

/** The members of a child template this plugin generated (name -> definition). */
function membersOf(t: NestedTemplate | undefined): Map<string, MemberDef> {
  const text = t?.files[t.templateFile];
  if (text === undefined) return new Map();
  const parsed = JSON.parse(text) as { resources?: Record<string, MemberDef> };
  return new Map(Object.entries(parsed.resources ?? {}));
}

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

export const RESOURCE_GROUP_TYPE = 'OS::Heat::ResourceGroup';

export const resourceGroupResource: ResourcePlugin<GroupProps> = {
  type: RESOURCE_GROUP_TYPE,
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
  updatePolicy: {
    type: 'object',
    additionalProperties: false,
    properties: { batch_create: batchSchema(false), rolling_update: batchSchema(true) },
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
      const resources: Record<string, MemberDef> = {};
      for (const n of names) resources[n] = memberDef(p, n, ctx.resource.pos.file);
      const file = groupFile(ctx.stackName, ctx.resourceName);
      return { templateFile: file, files: { [file]: renderTemplate(resources) }, parameters: {}, handle: { removed } satisfies GroupHandle as unknown as Json };
    },
    batches(p, prev, ctx): NestedBatches | undefined {
      const policy = ctx.updatePolicy ?? {};
      const creating = ctx.current === undefined;
      // Heat: batch_create when the group is created with members; rolling_update when resource_def changed.
      const raw = creating ? policy.batch_create : prev && !jsonEqual(prev.properties?.resource_def, p.resource_def) ? policy.rolling_update : undefined;
      if (raw === undefined || raw === null || (creating && p.count === 0)) return undefined;
      const bp = raw as unknown as BatchPolicy;
      const { names, removed } = planMembers(p, prev);
      const blocked = new Set(removed);
      const live = (t: NestedTemplate | undefined) => new Map([...membersOf(t)].filter(([n]) => !blocked.has(n)));
      const batches = planBatches(names.length, live(ctx.current).size, bp.max_batch_size, bp.min_in_service ?? 0);
      if (batches.length === 0) return undefined;
      const file = groupFile(ctx.stackName, ctx.resourceName);
      const namesFor = (capacity: number) => planMembers({ ...p, count: capacity }, prev).names;
      return {
        count: batches.length,
        pauseSeconds: bp.pause_time,
        label: creating ? 'batch create' : 'rolling update',
        build(i, current): NestedSpec {
          const members = assembleBatch(live(current), batches[i]!, names.length, namesFor, (n) => memberDef(p, n, ctx.resource.pos.file));
          return { templateFile: file, files: { [file]: renderTemplate(Object.fromEntries(members)) }, parameters: {} };
        },
      };
    },
    validation(p, ctx) {
      // As Heat's ResourceGroup.validate: one member, whatever the count, so the member type is checked.
      const def = p.resource_def;
      if (def === null || typeof def !== 'object' || Array.isArray(def) || typeof def.type !== 'string' || def.type === UNKNOWN) return undefined;
      const indexVar = typeof p.index_var === 'string' && p.index_var !== UNKNOWN ? p.index_var : '%index%';
      const member = memberDef({ resource_def: def as GroupProps['resource_def'], index_var: indexVar }, '0', ctx.resource.pos.file);
      if (member.properties === UNKNOWN || member.metadata === UNKNOWN) return undefined;
      const file = groupFile(ctx.stackName, ctx.resourceName);
      const count = p.count === undefined ? 1 : typeof p.count === 'number' && Number.isInteger(p.count) && p.count >= 0 ? p.count : null;
      return { templateFile: file, files: { [file]: renderTemplate({ '0': member }) }, parameters: {}, copies: count };
    },
    collect: (child, spec) => collectMembers(child, { removed_rsrc_list: ((spec.handle as unknown as GroupHandle | undefined)?.removed ?? []) as Json[] }),
  },
  getAttribute: memberAttribute,
};
