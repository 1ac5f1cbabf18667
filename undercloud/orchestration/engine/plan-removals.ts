/**
 * Which servers an update would take away, for `overcloud deploy` to say so before it starts (and ask, or
 * want --yes): forgetting an environment file that raised a role's count is a classic way to lose nodes
 * (TripleO's scaling spec lists it). Counted from the preview of the root stack:
 *
 * - a root ResourceGroup that stays: the members its new count and removal_policies drop
 *   (resource-group.ts `planMembers`, the rule the walk applies);
 * - a root resource that is deleted or replaced: every server below it;
 * - the servers below those members (OS::TripleO::Server, whose nodes are released, and the pre-provisioned
 *   OS::Heat::DeployedServer, which leave the overcloud), found through the stored nested stacks.
 *
 * Changes deeper inside nested templates (a provider template that drops its server) are not predicted.
 */
import type { ResourceRecord, StacksRepo } from '../../store/stacks.js';
import { planMembers, RESOURCE_GROUP_TYPE } from '../resources/resource-group.js';
import { SERVER_TYPE } from '../resources/server.js';
import { DEPLOYED_SERVER_TYPE } from '../resources/deployed-server.js';
import type { Json } from '../template/types.js';
import type { PlanResource } from './plan.js';
import { snapshotOf } from './runtime.js';
import { isRetired } from './retire.js';
import { serverNames } from './server-targets.js';

export interface RemovedServerPreview {
  /** The server's path from the root stack, e.g. `Compute/1/Server`. */
  path: string;
  hostname: string;
  nodeId: string;
}

export function serversRemoved(repo: Pick<StacksRepo, 'resources'>, rootId: string, plan: PlanResource[]): RemovedServerPreview[] {
  const records = new Map(repo.resources(rootId).map((r) => [r.name, r]));
  const out: RemovedServerPreview[] = [];
  for (const p of plan) {
    const existing = records.get(p.name);
    if (!existing || existing.action === 'DELETE' || isRetired(existing.name)) continue;
    if (p.action === 'delete' || p.action === 'replace') {
      out.push(...serversUnder(repo, existing, [p.name]));
    } else if (existing.type === RESOURCE_GROUP_TYPE && existing.nestedStackId && !p.unknown.includes('count')) {
      const props = p.properties as { count?: Json; removal_policies?: Json; removal_policies_mode?: Json };
      const keep = new Set(planMembers({
        count: Number(props.count ?? 0),
        removal_policies: (Array.isArray(props.removal_policies) ? props.removal_policies : []) as { resource_list: Json[] }[],
        removal_policies_mode: props.removal_policies_mode === 'update' ? 'update' : 'append',
      }, snapshotOf(existing)).names);
      for (const member of repo.resources(existing.nestedStackId)) {
        if (keep.has(member.name) || member.action === 'DELETE' || isRetired(member.name)) continue;
        out.push(...serversUnder(repo, member, [p.name, member.name]));
      }
    }
  }
  return out;
}

/** The servers a resource is, or holds in its nested stacks. */
function serversUnder(repo: Pick<StacksRepo, 'resources'>, r: ResourceRecord, path: string[]): RemovedServerPreview[] {
  if ((r.type === SERVER_TYPE || r.type === DEPLOYED_SERVER_TYPE) && r.refId !== undefined) return [{ path: path.join('/'), ...serverNames(r) }];
  if (!r.nestedStackId) return [];
  return repo.resources(r.nestedStackId)
    .filter((c) => c.action !== 'DELETE' && !isRetired(c.name))
    .flatMap((c) => serversUnder(repo, c, [...path, c.name]));
}
