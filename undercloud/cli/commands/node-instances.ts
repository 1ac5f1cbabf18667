/**
 * TripleO's nova-less provisioning (Wallaby and later): `overcloud node provision [-o OUT] FILE` reads a
 * baremetal_deployment.yaml, has the daemon reserve and deploy one node per instance, waits for them, and
 * writes the "deployed server" environment (`<Role>Count`, `<Role>HostnameFormat`, `<Role>RemovalPolicies`,
 * `HostnameMap`, `DeployedServerPortMap`) that `overcloud deploy` takes together with the templates'
 * environments/deployed-server.yaml (`overcloud deploy -b FILE` does all of it). `overcloud node unprovision
 * FILE` undeploys the instances marked `provisioned: false` (every instance of the stack with --all).
 *
 * Unlike TripleO, `node provision` never unprovisions: instances marked `provisioned: false` stay deployed
 * until `node unprovision` (which asks first), so a file edited by mistake cannot wipe a node.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Instance } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { OrchestrationClient } from '../../../proto/gen/undercloud/v1/orchestration.js';
import { DEPLOYED_SERVER_TYPE } from '../../orchestration/resources/deployed-server.js';
import { expandBaremetalDeployment, type ExpandedDeployment } from '../../orchestration/roles/baremetal-deployment.js';
import { TemplateErrors } from '../../orchestration/errors.js';
import { InvalidError } from '../../errors.js';
import { call } from '../common/client.js';
import { confirmed } from '../common/confirm.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { writeFileAtomically } from '../common/write-file.js';
import { nodeClient, waitForNodes, waitSeconds, type NodeClient } from './node-common.js';
import { nodeCommand } from './node-group.js';

/** Where `overcloud deploy -b` and `node provision` write the environment by default. */
export function defaultDeployedEnvironment(stack: string): string {
  return `${stack}-baremetal-deployed.yaml`;
}

/** A baremetal_deployment.yaml read and expanded; its errors thrown with their positions. */
export function readDeployment(file: string, stack: string): ExpandedDeployment {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidError('CLI_USAGE', `cannot read ${file}: ${(err as Error).message}`);
  }
  const expanded = expandBaremetalDeployment(text, file, stack);
  if (expanded.errors.length > 0) throw new TemplateErrors(expanded.errors);
  return expanded;
}

function view(i: Instance): Record<string, unknown> {
  return { hostname: i.hostname, node: i.node?.name ?? '', node_id: i.node?.id ?? '', provision_state: i.node?.provisionState ?? '', ctlplane_ip: i.ctlplaneIp || null };
}

export function printInstances(format: ReturnType<typeof globals>['format'], list: Instance[]): void {
  out(renderData(list.map(view), format, () => renderTable(list, [
    { header: 'Hostname', get: (i) => i.hostname },
    { header: 'Node', get: (i) => i.node?.name ?? '' },
    { header: 'Provision State', get: (i) => i.node?.provisionState ?? '' },
    { header: 'Ctlplane IP', get: (i) => i.ctlplaneIp },
  ])));
}

/** The environment `overcloud deploy` takes: the expansion's parameters plus each instance's address. */
export function deployedEnvironment(expanded: ExpandedDeployment, instances: Instance[], source: string): string {
  const portMap: Record<string, unknown> = {};
  for (const i of instances) if (i.ctlplaneIp) portMap[`${i.hostname}-ctlplane`] = { fixed_ips: [{ ip_address: i.ctlplaneIp }] };
  const doc = { parameter_defaults: { ...expanded.parameters, DeployedServerPortMap: portMap } };
  return `# Written by "overcloud node provision" from ${source}; deploy with it and the templates'\n`
    + '# environments/deployed-server.yaml (overcloud deploy -b does both). Edit the source, not this file.\n'
    + stringify(doc, { lineWidth: 0 });
}

/**
 * Provisions the file's instances for `stack`, waits until their nodes are active (failing with the node
 * and its last error otherwise), and writes the deployed-server environment to `output`.
 */
export async function provisionFromFile(nc: NodeClient, file: string, stack: string, output: string, timeoutS: number, quiet: boolean): Promise<Instance[]> {
  const expanded = readDeployment(file, stack);
  const wanted = expanded.instances.filter((i) => i.provisioned);
  const req = {
    stack,
    instances: wanted.map((i) => ({ hostname: i.hostname, node: i.node ?? '', profile: i.profile ?? '', capabilities: i.capabilities, image: i.image, sshKeys: i.sshKeys })),
  };
  const started = (await call(nc.conn, nc.client.provisionInstances, nc.client, req, 120_000)).instances;
  if (!quiet) for (const i of started) process.stderr.write(`${i.hostname}: node ${i.node?.name} (${i.node?.provisionState})\n`);
  if (started.length > 0) await waitForNodes(nc, started.map((i) => i.node!.id), 'active', timeoutS, quiet);
  const current = (await call(nc.conn, nc.client.listInstances, nc.client, { stack })).instances;
  const mine = new Set(wanted.map((i) => i.hostname));
  const instances = current.filter((i) => mine.has(i.hostname));
  const stale = new Set(expanded.instances.filter((i) => !i.provisioned).map((i) => i.hostname));
  const still = current.filter((i) => stale.has(i.hostname));
  if (still.length > 0 && !quiet) {
    process.stderr.write(`still provisioned though marked provisioned: false: ${still.map((i) => i.hostname).join(', ')}; `
      + `deploy the stack without them, then run "overcloud node unprovision --stack ${stack} ${file}"\n`);
  }
  const unknown = instances.filter((i) => !i.ctlplaneIp).map((i) => i.hostname);
  if (unknown.length > 0 && !quiet) process.stderr.write(`no control-plane address known for ${unknown.join(', ')} (no node agent has connected from it): the stack will list it without one\n`);
  writeFileAtomically(output, deployedEnvironment(expanded, instances, path.basename(file)));
  if (!quiet) process.stderr.write(`deployed-server environment written to ${output}\n`);
  return instances;
}

/** The roles a baremetal_deployment.yaml lists (with count 0 too). */
export function listedRoles(file: string, stack: string): Set<string> {
  return new Set(readDeployment(file, stack).roles);
}

/**
 * The environment `provisionFromFile` would write, without provisioning anything (for `deploy -b
 * --dry-run`): instances not provisioned yet have no address.
 */
export async function plannedEnvironment(nc: NodeClient, file: string, stack: string): Promise<string> {
  const expanded = readDeployment(file, stack);
  const instances = (await call(nc.conn, nc.client.listInstances, nc.client, { stack })).instances;
  return deployedEnvironment(expanded, instances, path.basename(file));
}

/**
 * What `overcloud node delete -b FILE` acts on: the instances FILE marks `provisioned: false` that are still
 * provisioned for `stack`, those of them still servers of the stack, and the counts FILE gives.
 */
export async function markedForRemoval(nc: NodeClient, file: string, stack: string): Promise<{ provisioned: Instance[]; inStack: string[]; counts: Record<string, unknown> }> {
  const expanded = readDeployment(file, stack);
  const marked = new Set(expanded.instances.filter((i) => !i.provisioned).map((i) => i.hostname));
  const provisioned = (await call(nc.conn, nc.client.listInstances, nc.client, { stack })).instances.filter((i) => marked.has(i.hostname));
  const inStack = await serversInStack(nc, stack, [...marked]);
  return { provisioned, inStack, counts: expanded.parameters };
}

/** Undeploys these instances of `stack` and waits until their nodes are available; returns them as they end. */
export async function unprovisionAndWait(nc: NodeClient, stack: string, hostnames: string[], timeoutS: number | undefined, quiet: boolean): Promise<Instance[]> {
  const res = await call(nc.conn, nc.client.unprovisionInstances, nc.client, { stack, hostnames, all: false }, 120_000);
  if (timeoutS === undefined || res.instances.length === 0) return res.instances;
  const nodes = await waitForNodes(nc, res.instances.map((i) => i.node!.id), 'available', timeoutS, quiet);
  return res.instances.map((i, k) => ({ ...i, node: nodes[k]!, ctlplaneIp: '' }));
}

/** Which of these hostnames are live OS::Heat::DeployedServer resources of `stack` (none when it does not exist). */
async function serversInStack(nc: NodeClient, stack: string, hostnames: string[]): Promise<string[]> {
  const orch = nc.conn.client(OrchestrationClient);
  const stacks = (await call(nc.conn, orch.listStacks, orch, {})).stacks;
  if (!stacks.some((x) => x.name === stack)) return [];
  const live = (await call(nc.conn, orch.listResources, orch, { name: stack, nested: true })).resources
    .filter((r) => r.type === DEPLOYED_SERVER_TYPE && r.action !== 'DELETE' && !(r.action === 'CREATE' && r.status === 'FAILED'))
    .map((r) => r.physicalId);
  return hostnames.filter((h) => live.includes(h));
}

export function register(program: Command): void {
  const node = nodeCommand(program);
  node
    .command('provision')
    .description('provision the instances of a baremetal_deployment.yaml (reserve and deploy nodes) and write the deployed-server environment for overcloud deploy')
    .argument('<file>', 'baremetal_deployment.yaml: roles with count, hostname_format, defaults, instances')
    .option('--stack <name>', 'stack name (%stackname% in hostnames)', 'overcloud')
    .option('-o, --output <file>', 'the environment to write (default STACK-baremetal-deployed.yaml)')
    .option('--timeout <seconds>', 'how long to wait for the nodes to be active', '3600')
    .action(async (file: string, opts: { stack: string; output?: string; timeout: string }, cmd: Command) => {
      const g = globals(cmd);
      const timeoutS = waitSeconds(opts.timeout, 3600)!;
      const nc = nodeClient(g.config);
      try {
        const instances = await provisionFromFile(nc, file, opts.stack, opts.output ?? defaultDeployedEnvironment(opts.stack), timeoutS, g.format !== 'table');
        printInstances(g.format, instances);
      } finally {
        nc.conn.close();
      }
    });
  node
    .command('unprovision')
    .description('undeploy the instances of a baremetal_deployment.yaml marked provisioned: false (all of the stack\'s with --all); their nodes go back to available')
    .argument('<file>', 'baremetal_deployment.yaml')
    .option('--stack <name>', 'stack name', 'overcloud')
    .option('--all', 'every instance provisioned for the stack', false)
    .option('-y, --yes', 'do not ask for confirmation', false)
    .option('--wait [seconds]', 'wait until the nodes are available (default 3600 s)', true)
    .option('--no-wait', 'return once the undeploys have started')
    .action(async (file: string, opts: { stack: string; all: boolean; yes: boolean; wait: string | boolean }, cmd: Command) => {
      const g = globals(cmd);
      const expanded = readDeployment(file, opts.stack);
      const nc = nodeClient(g.config);
      try {
        const marked = new Set(expanded.instances.filter((i) => !i.provisioned).map((i) => i.hostname));
        const current = (await call(nc.conn, nc.client.listInstances, nc.client, { stack: opts.stack })).instances;
        const targets = current.filter((i) => opts.all || marked.has(i.hostname));
        if (targets.length === 0) {
          process.stderr.write(`nothing to unprovision: no instance of ${opts.stack} ${opts.all ? 'is provisioned' : 'marked provisioned: false is provisioned'}\n`);
          printInstances(g.format, []);
          return;
        }
        const names = targets.map((i) => `${i.hostname} (node ${i.node?.name})`).join(', ');
        // Still a server of the stack: the overcloud would lose that node without a deploy that says so.
        const inUse = await serversInStack(nc, opts.stack, targets.map((i) => i.hostname));
        const warning = inUse.length > 0 ? ` ${inUse.join(', ')} ${inUse.length > 1 ? 'are' : 'is'} still in stack ${opts.stack} (deploy without ${inUse.length > 1 ? 'them' : 'it'} first).` : '';
        if (warning) process.stderr.write(`warning:${warning}\n`);
        if (!(await confirmed(`Unprovision ${names}?${warning} Their disks are cleaned and the nodes go back to available.`, `unprovision ${names}`, opts.yes))) {
          out('nothing unprovisioned\n');
          return;
        }
        printInstances(g.format, await unprovisionAndWait(nc, opts.stack, targets.map((i) => i.hostname), waitSeconds(opts.wait, 3600), g.format !== 'table'));
      } finally {
        nc.conn.close();
      }
    });
}
