/** `overcloud node power on|off|reboot|status NODE...`: idempotent; the daemon asks the BMC first. */
import type { Command } from 'commander';
import { call } from '../common/client.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { nodeClient, nodeView } from './node-common.js';
import { nodeCommand } from './node-group.js';
import type { Node } from '../../../proto/gen/undercloud/v1/baremetal.js';

const TARGETS: Record<string, string> = { on: 'power on', off: 'power off', reboot: 'rebooting' };

export function register(program: Command): void {
  const power = nodeCommand(program).command('power').description('node power: on, off, reboot, status');
  for (const [sub, target] of Object.entries({ ...TARGETS, status: '' })) {
    power
      .command(sub)
      .description(sub === 'status' ? 'read the power state from the BMC' : `${target} (does nothing when the node already is)`)
      .argument('<nodes...>', 'names or ids')
      .action(async (names: string[], _opts: unknown, cmd: Command) => {
        const g = globals(cmd);
        const nc = nodeClient(g.config);
        try {
          const nodes: Node[] = [];
          for (const name of names) {
            const res = target
              ? await call(nc.conn, nc.client.setPowerState, nc.client, { node: name, target }, 330_000)
              : await call(nc.conn, nc.client.getPowerState, nc.client, { node: name }, 130_000);
            nodes.push(res.node!);
          }
          out(renderData(nodes.map((n) => ({ name: n.name, power_state: n.powerState || null, ...(g.format === 'table' ? {} : { node: nodeView(n) }) })), g.format, () =>
            renderTable(nodes, [{ header: 'Name', get: (n) => n.name }, { header: 'Power State', get: (n) => n.powerState || 'unknown' }])));
        } finally {
          nc.conn.close();
        }
      });
  }
}
