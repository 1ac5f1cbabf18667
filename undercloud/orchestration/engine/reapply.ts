/**
 * Deployments an update applies again although neither their config nor their inputs changed:
 *
 * - **Imaged again.** A rebuilt server (`overcloud node rebuild`) comes back with the golden image only: the
 *   configs a stack applied to it are gone, while the stack's resources, unchanged, would make the next
 *   update a no-op. Each live deployment's recorded instance (its handle's `instance`, ServerPort.instance
 *   at dispatch) is compared with the server's instance now; the differing ones are applied again as a
 *   CREATE (the system is new).
 * - **On request** (`overcloud deploy --reapply-config [HOSTS]`): every deployment, or those on the named
 *   servers, last applied before the request, as an UPDATE (Heat's action when TripleO's DeployIdentifier
 *   changes, so a deployment whose `actions` leave out UPDATE stays as it is). Comparing with the request's
 *   time, not a flag, makes a resumed update (after a daemon restart) skip those it already applied again.
 *
 * The walker descends into the nested stacks that hold such deployments even when nothing else changed.
 * TripleO re-runs every deployment on every deploy (a new DeployIdentifier each time, unless
 * --skip-deploy-identifier); here a redeploy with nothing rebuilt stays a no-op unless asked.
 * One query, and one instance lookup per server.
 */
import type { StacksRepo } from '../../store/stacks.js';
import type { ServerPort } from '../ports.js';
import { softwareDeploymentResource, structuredDeploymentResource } from '../resources/software-deployment.js';

/** The types that record their server's instance (deployment groups are stacks of these). */
export const DEPLOYMENT_TYPES = [softwareDeploymentResource.type, structuredDeploymentResource.type];

/** Why a deployment is applied again, and the action it is applied with. */
export interface Reapplication {
  action: 'CREATE' | 'UPDATE';
  reason: string;
}

export interface Reapplied {
  /** Stack id -> resource name -> why and how the deployment is applied again. */
  deployments: Map<string, Map<string, Reapplication>>;
  /** Stacks that hold such a deployment, themselves or below them: their parents' resources descend into them. */
  stacks: Set<string>;
}

/** An operator's request to apply the deployments again (kept with the update, for its resumption). */
export interface ReapplyRequest {
  /** ISO time of the request: deployments applied after it are not applied again (those in its millisecond are). */
  since: string;
  /** Server ids; undefined = every server of the stack. */
  servers?: string[];
}

export const NOTHING_REAPPLIED: Reapplied = { deployments: new Map(), stacks: new Set() };

/** Why and how resource `name` of stack `stackId` is applied again, or undefined when it is not. */
export function reapplication(r: Reapplied, stackId: string, name: string): Reapplication | undefined {
  return r.deployments.get(stackId)?.get(name);
}

export async function findReapplied(repo: StacksRepo, servers: ServerPort, rootId: string, signal: AbortSignal, request?: ReapplyRequest): Promise<Reapplied> {
  if (!servers.instance && !request) return NOTHING_REAPPLIED;
  const rows = repo.treeDeployments(rootId, DEPLOYMENT_TYPES).filter((r) => r.server !== null);
  if (rows.length === 0) return NOTHING_REAPPLIED;
  const now = new Map<string, string | undefined>();
  if (servers.instance) {
    for (const server of new Set(rows.filter((r) => r.instance !== null).map((r) => r.server!))) {
      try {
        now.set(server, await servers.instance(server, signal));
      } catch {
        now.set(server, undefined); // unknown now: nothing to compare with
      }
    }
  }
  const named = request?.servers ? new Set(request.servers) : undefined;
  const out: Reapplied = { deployments: new Map(), stacks: new Set() };
  let parents: Map<string, string | null> | undefined;
  for (const r of rows) {
    const current = now.get(r.server!);
    let why: Reapplication | undefined;
    if (r.instance !== null && current !== undefined && current !== r.instance) {
      why = { action: 'CREATE', reason: `server ${r.server} was imaged again since this config was applied to it (instance ${r.instance} -> ${current}): applying it again` };
    } else if (request && (!named || named.has(r.server!)) && r.updatedAt <= request.since) {
      why = { action: 'UPDATE', reason: `applying it again to server ${r.server}, as asked (--reapply-config)` };
    }
    if (!why) continue;
    let names = out.deployments.get(r.stackId);
    if (!names) out.deployments.set(r.stackId, (names = new Map()));
    names.set(r.name, why);
    parents ??= repo.treeParents(rootId);
    for (let id: string | null | undefined = r.stackId; id && !out.stacks.has(id); id = parents.get(id)) out.stacks.add(id);
  }
  return out;
}
