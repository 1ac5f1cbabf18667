/**
 * `overcloud node delete [--stack NAME] [-y] SERVER...`: TripleO's scale-down by name. Each SERVER (a
 * hostname, a server id, or a bare-metal node's name or id) is removed from the role that holds it: the
 * daemon lowers <Role>Count, names the member in <Role>RemovalPolicies and updates the stack with its stored
 * templates; the nodes are released as their members go. As in TripleO, the environment files are the
 * operator's: the command says which count to set there, or the next `overcloud deploy` scales back up.
 *
 * With `-b baremetal_deployment.yaml` (TripleO's), the instances the file marks `provisioned: false` are
 * removed too (those still in the stack), and once the update succeeded their nodes are unprovisioned.
 *
 * Removing an enrolled node from the undercloud (Ironic's `baremetal node delete`) is `overcloud node unenroll`.
 */
import type { Command } from 'commander';
import { OrchestrationClient } from '../../../proto/gen/undercloud/v1/orchestration.js';
import { UndercloudClient } from '../../../proto/gen/undercloud/v1/undercloud.js';
import { call, connect } from '../common/client.js';
import { renderData } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { EXIT } from '../common/errors.js';
import { confirmed } from '../common/confirm.js';
import { followStack, summarizeCounts } from './stack-progress.js';
import { deployFailed, printFailures } from './overcloud-stack.js';
import { nodeCommand } from './node-group.js';
import { markedForRemoval, printInstances, unprovisionAndWait } from './node-instances.js';
import { BaremetalClient } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { InvalidError } from '../../errors.js';

export function register(program: Command): void {
  nodeCommand(program)
    .command('delete')
    .description('remove servers from the overcloud (TripleO\'s scale-down by name): their role\'s count goes down and their nodes are released')
    .argument('[servers...]', 'hostnames, server ids, or node names or ids')
    .option('-b, --baremetal-deployment <file>', 'also the instances this baremetal_deployment.yaml marks provisioned: false; their nodes are unprovisioned afterwards')
    .option('--stack <name>', 'stack name', 'overcloud')
    .option('-y, --yes', 'do not ask for confirmation', false)
    .option('--timeout <minutes>', 'the update\'s timeout in minutes (default: the stack\'s)')
    .option('--no-wait', 'return once the update has started')
    .action(async (named: string[], opts: { stack: string; yes: boolean; timeout?: string; wait: boolean; baremetalDeployment?: string }, cmd: Command) => {
      const g = globals(cmd);
      const file = opts.baremetalDeployment;
      if (named.length === 0 && !file) throw new InvalidError('CLI_USAGE', 'name the servers to remove, or give -b baremetal_deployment.yaml');
      if (file && !opts.wait) throw new InvalidError('CLI_USAGE', '-b unprovisions the nodes once the stack no longer uses them: it cannot be combined with --no-wait');
      const conn = connect(g.config);
      try {
        // -b: the instances marked provisioned: false leave the stack (those still in it), then are unprovisioned.
        const nc = { conn, client: conn.client(BaremetalClient) };
        const marked = file ? await markedForRemoval(nc, file, opts.stack) : undefined;
        const servers = [...new Set([...named, ...(marked?.inStack ?? [])])];
        const toUnprovision = marked?.provisioned.map((i) => i.hostname) ?? [];
        if (servers.length === 0 && toUnprovision.length === 0) {
          process.stderr.write(`nothing to delete: ${file} marks no instance of ${opts.stack} that is still provisioned\n`);
          return;
        }
        const what = [
          ...(servers.length > 0 ? [`remove ${servers.join(', ')} from stack ${opts.stack}`] : []),
          ...(toUnprovision.length > 0 ? [`unprovision ${toUnprovision.join(', ')}`] : []),
        ].join(' and ');
        if (!(await confirmed(`${what[0]!.toUpperCase()}${what.slice(1)}${file ? '' : ' and release their nodes'}?`, what, opts.yes))) {
          out('nothing removed\n');
          return;
        }
        if (servers.length === 0) {
          printInstances(g.format, await unprovisionAndWait(nc, opts.stack, toUnprovision, 3600, g.format !== 'table'));
          return;
        }
        const orch = conn.client(OrchestrationClient);
        const uc = conn.client(UndercloudClient);
        const { lastEventId } = await call(conn, uc.status, uc, {});
        const res = await call(conn, orch.removeServers, orch, { stack: opts.stack, servers, timeoutMinutes: opts.timeout ? Number(opts.timeout) : 0 }, 120_000);
        const unprovisioned = new Set(toUnprovision);
        const notes = [
          ...res.removed.map((r) => `removing ${r.hostname} (${r.group} member ${r.member}${r.nodeId ? `, node ${r.nodeId}` : ''})`),
          // A pre-provisioned server (overcloud node provision) leaves the stack; its node stays deployed unless -b unprovisions it.
          ...res.removed.filter((r) => r.preProvisioned && !unprovisioned.has(r.hostname)).map((r) => `${r.hostname} was pre-provisioned: its node stays deployed; mark it provisioned: false in baremetal_deployment.yaml (and lower the count) and run overcloud node unprovision`),
          ...res.counts.map((c) => (marked
            ? `${c.countParameter} ${c.from} -> ${c.to}${marked.counts[c.countParameter] !== c.to ? `: ${file} gives ${String(marked.counts[c.countParameter] ?? 'no count')}; set count ${c.to} there, or the next overcloud deploy -b scales ${c.group} back` : ''}`
            : `${c.countParameter} ${c.from} -> ${c.to}: set ${c.countParameter}: ${c.to} in your environment files, or the next overcloud deploy scales ${c.group} back to ${c.from}`)),
        ];
        process.stderr.write(notes.map((l) => `${l}\n`).join(''));
        const final = opts.wait ? await followStack(conn, res.stack!.name, { afterId: lastEventId, quiet: g.format !== 'table' }) : res.stack!;
        const view = {
          name: final.name, action: final.action, status: final.status, reason: final.statusReason,
          removed: res.removed.map((r) => ({ target: r.target, hostname: r.hostname, server_id: r.serverId, node_id: r.nodeId, group: r.group, member: r.member })),
          counts: res.counts.map((c) => ({ group: c.group, count_parameter: c.countParameter, from: c.from, to: c.to })),
        };
        out(renderData(view, g.format, () => `${final.name} ${final.action}_${final.status}${final.statusReason ? `: ${final.statusReason}` : ''}\nresources: ${summarizeCounts(final.resourceCounts)}\n`));
        if (opts.wait && (deployFailed(final) || final.action !== 'UPDATE')) {
          if (g.format === 'table' && final.status === 'FAILED') await printFailures(conn, final.name);
          process.exitCode = EXIT.error;
          return; // the stack may still use them: nothing is unprovisioned
        }
        if (toUnprovision.length > 0) {
          const done = await unprovisionAndWait(nc, opts.stack, toUnprovision, 3600, g.format !== 'table');
          process.stderr.write(`unprovisioned ${done.map((i) => `${i.hostname} (node ${i.node?.name}: ${i.node?.provisionState})`).join(', ')}\n`);
        }
      } finally {
        conn.close();
      }
    });
}
