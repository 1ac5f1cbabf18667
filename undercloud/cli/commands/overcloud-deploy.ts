/**
 * `overcloud deploy --templates DIR [-e ENV]... [-r roles_data.yaml] [-n network_data.yaml] [--stack NAME] [--dry-run] [--timeout MIN] [--enable-rollback] [--yes]`:
 * reads the templates into a bundle (the root is DIR/overcloud.yaml; roles from -r or DIR/roles_data.yaml),
 * creates or updates the stack, and follows it with the live progress display. `--dry-run` prints the plan
 * (and exits 6 when the nodes would not suffice: the daemon refuses such a deploy before it starts).
 * An update that would remove servers says which and asks first (no terminal: refuses without --yes).
 * Rollback is off by default, as TripleO deploys (Heat's disable_rollback=true); `--enable-rollback` turns it on.
 * `-b baremetal_deployment.yaml` first provisions its nodes (as `overcloud node provision`, writing
 * STACK-baremetal-deployed.yaml), then deploys with DIR/environments/deployed-server.yaml and that file
 * after every -e file, so the counts are the provisioned ones; with --dry-run it provisions nothing and plans
 * with the environment it would write.
 * `-n network_data.yaml` provisions its networks (as `overcloud network provision`) just before the stack
 * action and sends the file with the templates: each server gets addresses and VLANs on its role's networks.
 * `--reapply-config [HOST,...]` applies every deploy step again on every server (or on those named) although
 * nothing changed: TripleO re-runs them on every deploy (a new DeployIdentifier), this deploy only re-runs what
 * changed unless asked; `--skip-deploy-identifier`, TripleO's way to ask for that, is accepted and changes nothing.
 */
import { Option, type Command } from 'commander';
import { OrchestrationClient, type StackRequest } from '../../../proto/gen/undercloud/v1/orchestration.js';
import { UndercloudClient } from '../../../proto/gen/undercloud/v1/undercloud.js';
import { loadBundle } from '../../orchestration/template/index.js';
import { call, connect } from '../common/client.js';
import { keyValues } from '../common/key-values.js';
import { confirmed } from '../common/confirm.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { EXIT } from '../common/errors.js';
import { InvalidError } from '../../errors.js';
import { followStack, summarizeCounts } from './stack-progress.js';
import { deployFailed, printFailures } from './overcloud-stack.js';
import { writeStackPasswords, writeStackRc } from './stack-rc.js';
import { plannedFiles, provisionedFiles, refuseUnlistedRoles } from './deploy-provisioned.js';
import { listedRoles } from './node-instances.js';
import { explainRendered } from './rendered-templates.js';
import { provisionNetworks, provisionSummary } from './overcloud-network.js';

export interface PlanView {
  stackName: string;
  resources: { name: string; type: string; action: string; properties: unknown; unknown: string[] }[];
  outputs: Record<string, unknown>;
  unknownOutputs: string[];
  removedServers: { path: string; hostname: string; nodeId: string }[];
  /** What the node pool cannot serve of the servers the plan allocates (the deploy itself would be refused). */
  shortfalls: string[];
}

/** The stack request for these environments. */
async function stackRequest(opts: DeployOptions, environments: string[]): Promise<StackRequest> {
  const bundle = await loadBundle(opts.templates, { environments, ...(opts.rolesFile ? { rolesData: opts.rolesFile } : {}), ...(opts.networksFile ? { networksData: opts.networksFile } : {}) });
  return {
    name: opts.stack,
    bundle: { rootTemplate: bundle.rootTemplate, files: bundle.files, environments: bundle.environments, rolesData: bundle.rolesData ?? '', networksData: bundle.networksData ?? '' },
    parametersJson: JSON.stringify(keyValues(opts.parameter, '--parameter')),
    timeoutMinutes: Number(opts.timeout),
    rollback: opts.enableRollback,
    ...(opts.reapplyConfig ? { reapply: { servers: opts.reapplyConfig === true ? [] : splitHosts(opts.reapplyConfig) } } : {}),
  };
}

/** `--reapply-config ctl-0,cmp-1`: the servers named, comma-separated. */
function splitHosts(list: string): string[] {
  return list.split(',').map((h) => h.trim()).filter((h) => h !== '');
}

interface DeployOptions {
  templates: string; environmentFile?: string[]; rolesFile?: string; stack: string; parameter?: string[]; dryRun: boolean; timeout: string;
  wait: boolean; enableRollback: boolean; yes: boolean; rcDir: string; baremetalDeployment?: string; reapplyConfig?: string | true; networksFile?: string; vipFile?: string;
}

export function register(program: Command): void {
  program
    .command('deploy')
    .description('create or update the overcloud stack from a template directory, and follow it')
    .requiredOption('--templates <dir>', 'template directory (root template DIR/overcloud.yaml)')
    .option('-e, --environment-file <file...>', 'environment files, applied in order')
    .option('-r, --roles-file <file>', 'roles_data.yaml (default DIR/roles_data.yaml when present)')
    .option('--stack <name>', 'stack name', 'overcloud')
    .option('-P, --parameter <name=value...>', 'parameter values')
    .option('--dry-run', 'print the plan (what would be created, updated, replaced, deleted) and change nothing', false)
    .option('--timeout <minutes>', 'stack action timeout in minutes', '240')
    .option('--no-wait', 'return once the action has started')
    .option('--enable-rollback', 'on failure, roll back: a create deletes what it created, an update returns to the previous templates', false)
    .option('-b, --baremetal-deployment <file>', 'provision the nodes of this baremetal_deployment.yaml first and deploy onto them (pre-provisioned servers)')
    .option('-y, --yes', 'do not ask before an update that removes servers', false)
    .option('-n, --networks-file <file>', 'network_data.yaml: provision its networks first, then give each server an address on its role\'s networks (VLANs on the ctlplane NIC)')
    .option('--vip-file <file>', 'TripleO\'s vip_data.yaml: refused, virtual IPs are not supported')
    .option('--reapply-config [hosts]', 'apply every deploy step again although nothing changed: on every server, or on these (comma-separated hostnames or nodes) (TripleO does it on every deploy)')
    .addOption(new Option('--skip-deploy-identifier', 'TripleO\'s option to re-run only what changed: what this deploy does anyway').conflicts('reapplyConfig'))
    .option('--rc-dir <dir>', 'where to write STACKrc (the stack\'s overcloudrc output) and STACK-passwords.yaml after a successful deploy', '.')
    .action(async (opts: DeployOptions, cmd: Command) => {
      const g = globals(cmd);
      if (opts.vipFile) {
        // Said plainly rather than left to "unknown option": a TripleO deploy command carries it.
        throw new InvalidError('VIPS_UNSUPPORTED', `--vip-file ${opts.vipFile}: virtual IPs are not supported; the APIs are on the first controller's addresses. Deploy without it (docs/overcloud-templates.md, "Not modelled")`);
      }
      const environments = [...(opts.environmentFile ?? [])];
      const file = opts.baremetalDeployment;
      const conn = connect(g.config);
      let req: StackRequest | undefined;
      try {
        const orch = conn.client(OrchestrationClient);
        if (file) {
          // Checked on the plan with the environment provisioning would write, before any node is touched.
          const planned = await plannedFiles(g.config, opts.templates, file, opts.stack);
          try {
            req = await stackRequest(opts, [...environments, ...planned.files]);
          } finally {
            planned.cleanup();
          }
          const plan = JSON.parse((await call(conn, orch.previewStack, orch, req, 120_000)).planJson) as PlanView;
          refuseUnlistedRoles(plan, req.bundle!.files[req.bundle!.rolesData] ?? '', listedRoles(file, opts.stack), file);
          if (!opts.dryRun) req = await stackRequest(opts, [...environments, ...(await provisionedFiles(g.config, opts.templates, file, opts.stack, Number(opts.timeout) * 60, g.format !== 'table'))]);
        } else {
          req = await stackRequest(opts, environments);
        }
        if (opts.dryRun) {
          const plan = JSON.parse((await call(conn, orch.previewStack, orch, req, 120_000)).planJson) as PlanView;
          out(renderData(plan, g.format, () => renderTable(plan.resources, [
            { header: 'Resource', get: (r) => r.name },
            { header: 'Type', get: (r) => r.type },
            { header: 'Action', get: (r) => r.action },
            { header: 'Unknown until creation', get: (r) => r.unknown.join(',') },
          ]) + plan.removedServers.map((s) => `removes server ${s.hostname || '?'} (${s.path}${s.nodeId ? `, node ${s.nodeId}` : ''})\n`).join('')));
          if (plan.shortfalls.length > 0) {
            // The plan is printed whole; the deploy it describes would be refused before it starts.
            process.stderr.write(`not enough nodes: ${plan.shortfalls.join('\n  ')}\n`);
            process.exitCode = EXIT.conflict;
          }
          return;
        }
        // The networks first (as TripleO's deploy -n runs network provision): the servers' ports need them.
        if (opts.networksFile) {
          const provisioned = await provisionNetworks(conn, opts.networksFile);
          if (g.format === 'table') process.stderr.write(`${provisionSummary(provisioned)}\n`);
        }
        const uc = conn.client(UndercloudClient);
        const { lastEventId } = await call(conn, uc.status, uc, {});
        const stacks = await call(conn, orch.listStacks, orch, {});
        const exists = stacks.stacks.some((s) => s.name === opts.stack);
        // An update that takes servers away (a lower count, a forgotten environment file) is said first.
        if (exists && !opts.yes) {
          const plan = JSON.parse((await call(conn, orch.previewStack, orch, req, 120_000)).planJson) as PlanView;
          const gone = plan.removedServers.map((s) => s.hostname || s.path);
          if (gone.length > 0 && !(await confirmed(
            `This update removes ${gone.length} server(s) from ${opts.stack}: ${gone.join(', ')} (the nodes of servers the stack allocated are released). Continue?`,
            `remove ${gone.length} server(s) from stack ${opts.stack} (${gone.join(', ')}; did an environment file that sets a count go missing?)`,
            false,
          ))) {
            out('nothing deployed\n');
            return;
          }
        }
        const started = exists ? await call(conn, orch.updateStack, orch, req, 120_000) : await call(conn, orch.createStack, orch, req, 120_000);
        if (!opts.wait) {
          out(renderData({ id: started.id, name: started.name, action: started.action, status: started.status }, g.format, () => `${started.name} ${started.action}_${started.status}\n`));
          return;
        }
        const final = await followStack(conn, started.name, { afterId: lastEventId, quiet: g.format !== 'table' });
        const view = { id: final.id, name: final.name, action: final.action, status: final.status, reason: final.statusReason, resources: final.resourceCounts, outputs: JSON.parse(final.outputsJson || '{}') as unknown };
        out(renderData(view, g.format, () => `${final.name} ${final.action}_${final.status}: ${final.statusReason}\nresources: ${summarizeCounts(final.resourceCounts)}\n`));
        // A delete that took over the deploy also means it did not succeed.
        if (deployFailed(final) || final.action === 'DELETE') {
          if (g.format === 'table' && final.status === 'FAILED') await printFailures(conn, final.name);
          process.exitCode = EXIT.error;
        } else {
          const rc = writeStackRc(opts.rcDir, final.name, view.outputs);
          if (rc) process.stderr.write(`overcloud credentials written to ${rc} (source it, then use the openstack client)\n`);
          const secrets = writeStackPasswords(opts.rcDir, final.name, view.outputs);
          if (secrets) process.stderr.write(`the stack's passwords and keys written to ${secrets} (keep it: -e it to deploy the stack again with them)\n`);
        }
      } catch (err) {
        throw explainRendered(err, opts.templates, req?.bundle?.files);
      } finally {
        conn.close();
      }
    });
}
