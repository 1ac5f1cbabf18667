/**
 * `overcloud deploy -b baremetal_deployment.yaml`: the environments that deploy onto pre-provisioned nodes
 * (DIR/environments/deployed-server.yaml and the one `overcloud node provision` writes), planned before
 * anything is provisioned, then provisioned; and the check that every role with servers is in the file.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidError } from '../../errors.js';
import { nodeClient } from './node-common.js';
import { defaultDeployedEnvironment, plannedEnvironment, provisionFromFile } from './node-instances.js';
import type { PlanView } from './overcloud-deploy.js';

function deployedServerRegistry(templates: string): string {
  const registry = path.join(templates, 'environments', 'deployed-server.yaml');
  if (!existsSync(registry)) throw new InvalidError('CLI_USAGE', `-b needs ${registry}: the environment that maps the roles to pre-provisioned servers`);
  return registry;
}

/** `-b`, before anything is provisioned: the environments the deploy would get (the written one in a temporary folder). */
export async function plannedFiles(config: string, templates: string, file: string, stack: string): Promise<{ files: string[]; cleanup: () => void }> {
  const registry = deployedServerRegistry(templates);
  const nc = nodeClient(config);
  try {
    const dir = mkdtempSync(path.join(tmpdir(), 'overcloud-deploy-'));
    const planned = path.join(dir, defaultDeployedEnvironment(stack));
    writeFileSync(planned, await plannedEnvironment(nc, file, stack));
    return { files: [registry, planned], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } finally {
    nc.conn.close();
  }
}

/** `-b`: provisions the file's nodes and returns the two environments that deploy onto them. */
export async function provisionedFiles(config: string, templates: string, file: string, stack: string, timeoutS: number, quiet: boolean): Promise<string[]> {
  const registry = deployedServerRegistry(templates);
  const output = defaultDeployedEnvironment(stack);
  const nc = nodeClient(config);
  try {
    await provisionFromFile(nc, file, stack, output, timeoutS, quiet);
  } finally {
    nc.conn.close();
  }
  return [registry, output];
}

/**
 * With -b every role's servers are pre-provisioned: a role the file does not list but whose count is not 0
 * (roles_data's CountDefault, an environment) would get servers with no node behind them, whose deploy
 * steps wait for an agent that never comes. Refused before anything is provisioned.
 */
export function refuseUnlistedRoles(plan: PlanView, rolesYaml: string, listed: Set<string>, file: string): void {
  const parsed = rolesYaml ? parseYaml(rolesYaml) as unknown : [];
  const roles = (Array.isArray(parsed) ? parsed as { name?: unknown }[] : []).map((r) => r.name).filter((n): n is string => typeof n === 'string');
  const unlisted = roles.filter((r) => !listed.has(r))
    .map((r) => ({ role: r, count: Number((plan.resources.find((x) => x.name === r)?.properties as { count?: unknown } | undefined)?.count ?? 0) }))
    .filter((x) => x.count > 0);
  if (unlisted.length > 0) {
    throw new InvalidError('CLI_USAGE', `${file} does not list ${unlisted.map((x) => `${x.role} (count ${x.count})`).join(', ')}: with -b every role's servers are pre-provisioned, `
      + 'so those would have no node; list each role (count: 0 for none)');
  }
}
