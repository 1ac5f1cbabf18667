/**
 * Deployments whose server was imaged again since they were applied. A rebuilt server (`overcloud node
 * rebuild`) comes back with the golden image only: the configs a stack applied to it are gone, while the
 * stack's resources, unchanged, would make the next update a no-op. Before an update walks a stack tree,
 * this compares each live deployment's recorded instance (its handle's `instance`, ServerPort.instance at
 * dispatch) with the server's instance now; the walker applies the differing ones again, as a CREATE (the
 * system is new), and descends into the nested stacks that hold them even when nothing else changed.
 * TripleO gets the same effect by re-running every deployment on every deploy (DeployIdentifier); here a
 * redeploy with nothing rebuilt stays a no-op. One query and one instance lookup per server.
 */
import type { StacksRepo } from '../../store/stacks.js';
import type { ServerPort } from '../ports.js';
import { softwareDeploymentResource, structuredDeploymentResource } from '../resources/software-deployment.js';

/** The types that record their server's instance (deployment groups are stacks of these). */
const DEPLOYMENT_TYPES = [softwareDeploymentResource.type, structuredDeploymentResource.type];

export interface Reimaged {
  /** Stack id -> resource name -> why the deployment is applied again. */
  deployments: Map<string, Map<string, string>>;
  /** Stacks that hold such a deployment, themselves or below them: their parents' resources descend into them. */
  stacks: Set<string>;
}

export const NOTHING_REIMAGED: Reimaged = { deployments: new Map(), stacks: new Set() };

/** Why resource `name` of stack `stackId` is applied again, or undefined when it is not. */
export function reimagedReason(r: Reimaged, stackId: string, name: string): string | undefined {
  return r.deployments.get(stackId)?.get(name);
}

export async function findReimaged(repo: StacksRepo, servers: ServerPort, rootId: string, signal: AbortSignal): Promise<Reimaged> {
  if (!servers.instance) return NOTHING_REIMAGED;
  const rows = repo.treeDeployments(rootId, DEPLOYMENT_TYPES).filter((r) => r.server !== null && r.instance !== null);
  if (rows.length === 0) return NOTHING_REIMAGED;
  const now = new Map<string, string | undefined>();
  for (const server of new Set(rows.map((r) => r.server!))) {
    try {
      now.set(server, await servers.instance(server, signal));
    } catch {
      now.set(server, undefined); // unknown now: nothing to compare with
    }
  }
  const out: Reimaged = { deployments: new Map(), stacks: new Set() };
  let parents: Map<string, string | null> | undefined;
  for (const r of rows) {
    const current = now.get(r.server!);
    if (current === undefined || current === r.instance) continue;
    let names = out.deployments.get(r.stackId);
    if (!names) out.deployments.set(r.stackId, (names = new Map()));
    names.set(r.name, `server ${r.server} was imaged again since this config was applied to it (instance ${r.instance} -> ${current}): applying it again`);
    parents ??= repo.treeParents(rootId);
    for (let id: string | null | undefined = r.stackId; id && !out.stacks.has(id); id = parents.get(id)) out.stacks.add(id);
  }
  return out;
}
