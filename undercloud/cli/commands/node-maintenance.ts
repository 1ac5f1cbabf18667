/**
 * `overcloud node maintenance set NODE... [--reason TEXT]` and `overcloud node maintenance unset NODE...`
 * (Ironic's `baremetal node maintenance set|unset`): a node in maintenance is not allocated to stacks, not
 * deployed, rebuilt or cleaned by hand, and its power state is not synchronised.
 */
import type { Command } from 'commander';
import { call } from '../common/client.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { nodeClient, nodeView } from './node-common.js';
import { nodeCommand } from './node-group.js';
import type { Node } from '../../../proto/gen/undercloud/v1/baremetal.js';

export function register(program: Command): void {
  const maintenance = nodeCommand(program).command('maintenance').description('maintenance mode: keep nodes out of scheduling, deploys and power sync');
  for (const on of [true, false]) {
    const sub = maintenance
      .command(on ? 'set' : 'unset')
      .description(on ? 'put nodes in maintenance (a running task goes on)' : 'take nodes out of maintenance')
      .argument('<nodes...>', 'names or ids');
    if (on) sub.option('--reason <text>', 'why (shown by node show and list)');
    sub.action(async (names: string[], opts: { reason?: string }, cmd: Command) => {
      const g = globals(cmd);
      const nc = nodeClient(g.config);
      try {
        const nodes: Node[] = [];
        for (const name of names) nodes.push((await call(nc.conn, nc.client.setMaintenance, nc.client, { node: name, maintenance: on, reason: opts.reason ?? '' })).node!);
        out(renderData(nodes.map(nodeView), g.format, () => renderTable(nodes, [
          { header: 'Name', get: (n) => n.name },
          { header: 'Maintenance', get: (n) => n.maintenance },
          { header: 'Reason', get: (n) => n.maintenanceReason },
        ])));
      } finally {
        nc.conn.close();
      }
    });
  }
}
