/**
 * `overcloud node delete [--stack NAME] [-y] SERVER...`: TripleO's scale-down by name. Each SERVER (a
 * hostname, a server id, or a bare-metal node's name or id) is removed from the role that holds it: the
 * daemon lowers <Role>Count, names the member in <Role>RemovalPolicies and updates the stack with its stored
 * templates; the nodes are released as their members go. As in TripleO, the environment files are the
 * operator's: the command says which count to set there, or the next `overcloud deploy` scales back up.
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

export function register(program: Command): void {
  nodeCommand(program)
    .command('delete')
    .description('remove servers from the overcloud (TripleO\'s scale-down by name): their role\'s count goes down and their nodes are released')
    .argument('<servers...>', 'hostnames, server ids, or node names or ids')
    .option('--stack <name>', 'stack name', 'overcloud')
    .option('-y, --yes', 'do not ask for confirmation', false)
    .option('--timeout <minutes>', 'the update\'s timeout in minutes (default: the stack\'s)')
    .option('--no-wait', 'return once the update has started')
    .action(async (servers: string[], opts: { stack: string; yes: boolean; timeout?: string; wait: boolean }, cmd: Command) => {
      const g = globals(cmd);
      if (!(await confirmed(`Remove ${servers.join(', ')} from stack ${opts.stack} and release their nodes?`, `remove servers from stack ${opts.stack}`, opts.yes))) {
        out('nothing removed\n');
        return;
      }
      const conn = connect(g.config);
      try {
        const orch = conn.client(OrchestrationClient);
        const uc = conn.client(UndercloudClient);
        const { lastEventId } = await call(conn, uc.status, uc, {});
        const res = await call(conn, orch.removeServers, orch, { stack: opts.stack, servers, timeoutMinutes: opts.timeout ? Number(opts.timeout) : 0 }, 120_000);
        const notes = [
          ...res.removed.map((r) => `removing ${r.hostname} (${r.group} member ${r.member}${r.nodeId ? `, node ${r.nodeId}` : ''})`),
          // A pre-provisioned server (overcloud node provision) leaves the stack; its node stays deployed.
          ...res.removed.filter((r) => r.preProvisioned).map((r) => `${r.hostname} was pre-provisioned: its node stays deployed; mark it provisioned: false in baremetal_deployment.yaml (and lower the count) and run overcloud node unprovision`),
          ...res.counts.map((c) => `${c.countParameter} ${c.from} -> ${c.to}: set ${c.countParameter}: ${c.to} in your environment files, or the next overcloud deploy scales ${c.group} back to ${c.from}`),
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
        }
      } finally {
        conn.close();
      }
    });
}
