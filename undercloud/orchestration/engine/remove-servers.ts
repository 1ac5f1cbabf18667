/**
 * TripleO's `overcloud node delete`: which servers of a stack the operator names, the group member each one
 * is, and the parameters that scale those groups down around them. The member goes through the group's
 * removal_policies (so that member, not the highest, is removed, and its name is never reused) and the
 * group's count parameter drops by as many; the engine then updates the stack with its stored templates and
 * these parameters (Heat's PATCH update, as tripleo-common's scale-down did).
 *
 * Only a group of the root stack whose `count` and `removal_policies` are each a `get_param` can be scaled
 * this way: those are the parameters an update can set. The roles that roles_data.yaml renders are such
 * groups (<Role>Count, <Role>RemovalPolicies).
 */
import type { ResourceRecord, StackRecord } from '../../store/stacks.js';
import type { Json, Snippet, StackDefinition } from '../template/types.js';
import { RESOURCE_GROUP_TYPE } from '../resources/resource-group.js';
import { DEPLOYED_SERVER_TYPE } from '../resources/deployed-server.js';
import { GroupNotScalableError, ServerNotInGroupError } from './errors.js';
import { hostnameOf, liveServers, requireServers, stringAttr, type NodeLookups } from './server-targets.js';

export interface RemovedServer {
  /** What the operator named it by. */
  target: string;
  hostname: string;
  serverId: string;
  /** The bare-metal node, once the server has one; empty for a pre-provisioned server. */
  nodeId: string;
  /** The group (a resource of the root stack) and the member removed from it. */
  group: string;
  member: string;
  /** An OS::Heat::DeployedServer: it leaves the stack, its node (if the undercloud deployed it) stays deployed. */
  preProvisioned: boolean;
}

export interface GroupCountChange {
  group: string;
  countParameter: string;
  from: number;
  to: number;
}

export interface RemovalPlan {
  removed: RemovedServer[];
  counts: GroupCountChange[];
  /** The root stack's parameters for the update: the stored ones with the counts and removal policies set. */
  parameters: Record<string, Json>;
}

export interface RemovalInput extends NodeLookups {
  root: StackRecord;
  /** The root's template as loaded with its stored parameters: the groups' definitions and effective values. */
  definition: StackDefinition;
  parameterValues: Record<string, Json>;
  /** Every resource of the root's tree. */
  resources: ResourceRecord[];
  stack(id: string): StackRecord | undefined;
  targets: string[];
}

const REMOVAL_HINT = 'to remove a node that no stack uses from the undercloud, use `overcloud node unenroll`';

export function planServerRemoval(i: RemovalInput): RemovalPlan {
  const named = requireServers(i.root.name, liveServers(i.resources), i.targets, i, REMOVAL_HINT);
  const byGroup = new Map<string, RemovedServer[]>();
  const seen = new Set<string>();
  for (const [k, target] of i.targets.entries()) {
    const server = named[k]!;
    if (seen.has(server.refId!)) continue; // named twice (by hostname and by node, say)
    seen.add(server.refId!);
    const { group, member } = memberOf(server, i);
    const list = byGroup.get(group) ?? [];
    list.push({ target, hostname: hostnameOf(server), serverId: server.refId!, nodeId: stringAttr(server, 'node_id'), group, member, preProvisioned: server.type === DEPLOYED_SERVER_TYPE });
    byGroup.set(group, list);
  }

  const parameters: Record<string, Json> = { ...i.root.template.parameters };
  const counts: GroupCountChange[] = [];
  for (const [group, members] of byGroup) {
    const def = i.definition.resources[group];
    // A group the stored template no longer has (an update that removed it failed half-way) is not ours to scale.
    if (!def) throw new GroupNotScalableError(i.root.name, group, i.root.template.templateFile, 'the stack\'s template no longer defines it');
    const countParameter = paramOf(def.properties, 'count');
    const policiesParameter = paramOf(def.properties, 'removal_policies');
    const where = `${def.pos.file}:${def.pos.line}:${def.pos.col}`;
    if (!countParameter || !policiesParameter) throw new GroupNotScalableError(i.root.name, group, where, `its ${countParameter ? 'removal_policies' : 'count'} is not set by a get_param`);
    // Lowering a count that another group reads would scale that group down too, silently.
    const sharing = Object.values(i.definition.resources).filter((r) => r.name !== group && r.resolvedType === RESOURCE_GROUP_TYPE && paramOf(r.properties, 'count') === countParameter);
    if (sharing.length > 0) throw new GroupNotScalableError(i.root.name, group, where, `its count parameter ${countParameter} also sets the count of ${sharing.map((r) => r.name).join(', ')}`);
    const from = Number(i.parameterValues[countParameter] ?? 0);
    const to = Math.max(0, from - members.length);
    // Earlier policies stay: with removal_policies_mode `update` the list is the whole blacklist.
    const earlier = i.parameterValues[policiesParameter];
    parameters[countParameter] = to;
    parameters[policiesParameter] = [...(Array.isArray(earlier) ? earlier : []), { resource_list: members.map((m) => m.member) }];
    counts.push({ group, countParameter, from, to });
  }
  return { removed: [...byGroup.values()].flat(), counts, parameters };
}

/** The nearest ResourceGroup above the server and the member it belongs to; that group must be in the root stack. */
function memberOf(server: ResourceRecord, i: RemovalInput): { group: string; member: string } {
  let name = server.name;
  let stack = i.stack(server.stackId);
  while (stack?.parentId !== undefined && stack.parentResource !== undefined) {
    const parentId = stack.parentId;
    const owner = i.resources.find((r) => r.stackId === parentId && r.name === stack!.parentResource);
    if (owner?.type === RESOURCE_GROUP_TYPE) {
      if (parentId !== i.root.id) throw new ServerNotInGroupError(i.root.name, hostnameOf(server), `it is in the group ${owner.name} of the nested stack ${i.stack(parentId)?.name ?? parentId}, and only groups of the root stack scale down here`);
      return { group: owner.name, member: name };
    }
    name = stack.parentResource;
    stack = i.stack(parentId);
  }
  throw new ServerNotInGroupError(i.root.name, hostnameOf(server), 'no ResourceGroup holds it (a single server: change the template, or delete the stack)');
}

/** The parameter a group property is set from (`count: {get_param: ComputeCount}`), if it is just that. */
function paramOf(properties: Snippet, key: string): string | undefined {
  if (properties.kind !== 'map') return undefined;
  const v = properties.entries.find((e) => e.key === key)?.value;
  if (v?.kind !== 'call' || v.fn !== 'get_param') return undefined;
  return v.args.kind === 'literal' && typeof v.args.value === 'string' ? v.args.value : undefined;
}
