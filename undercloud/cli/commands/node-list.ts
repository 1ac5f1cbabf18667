/** `overcloud node list` and `overcloud node show NODE`. BMC secrets arrive masked from the daemon. */
import type { Command } from 'commander';
import { call } from '../common/client.js';
import { renderData, renderFields, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { nodeClient, nodeColumns, nodeView } from './node-common.js';
import { nodeCommand } from './node-group.js';

export function register(program: Command): void {
  const node = nodeCommand(program);
  node
    .command('list')
    .description('list enrolled nodes')
    .option('--provision-state <state>', 'only nodes in this provision state')
    .action(async (opts: { provisionState?: string }, cmd: Command) => {
      const g = globals(cmd);
      const nc = nodeClient(g.config);
      try {
        const res = await call(nc.conn, nc.client.listNodes, nc.client, { provisionState: opts.provisionState ?? '' });
        out(renderData(res.nodes.map(nodeView), g.format, () => renderTable(res.nodes, nodeColumns)));
      } finally {
        nc.conn.close();
      }
    });
  node
    .command('show')
    .description('show one node: states, driver info (secrets masked), properties, ports and provision history')
    .argument('<node>', 'name or id')
    .option('--history', 'include the provision history in the table output', false)
    .action(async (name: string, opts: { history: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const nc = nodeClient(g.config);
      try {
        const res = await call(nc.conn, nc.client.getNode, nc.client, { node: name });
        const view = nodeView(res.node!);
        const history = res.history.map((h) => ({ time: h.timestamp, event: h.event, from: h.fromState, to: h.toState, severity: h.severity, purpose: h.purpose, message: h.message }));
        out(renderData({ ...view, history }, g.format, () => {
          const flat = Object.fromEntries(Object.entries(view).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v]));
          const table = renderFields(flat);
          if (!opts.history) return table;
          return table + '\n' + renderTable(history, [
            { header: 'Time', get: (h) => h.time }, { header: 'Event', get: (h) => h.event }, { header: 'From', get: (h) => h.from },
            { header: 'To', get: (h) => h.to }, { header: 'Message', get: (h) => h.message },
          ]);
        }));
      } finally {
        nc.conn.close();
      }
    });
}
