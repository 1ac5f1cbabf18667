/** `overcloud node import instackenv.json [--validate-only] [--introspect] [--provide] [--concurrency N]` (TripleO's import). */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { call } from '../common/client.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { concurrencyOf, nodeClient, nodeColumns, nodeView, verbInBatches, waitForNodes } from './node-common.js';
import { nodeCommand } from './node-group.js';
import { InvalidError } from '../../errors.js';

export function register(program: Command): void {
  nodeCommand(program)
    .command('import')
    .description('enroll the nodes of an instackenv.json file (enroll -> manageable), optionally introspect and provide them')
    .argument('<file>', 'instackenv.json ("-" reads stdin)')
    .option('--validate-only', 'check the file (and conflicts with enrolled nodes) without changing anything', false)
    .option('--introspect', 'introspect the nodes after enrolling them', false)
    .option('--provide', 'provide the nodes (-> available) after enrolling (and introspecting) them', false)
    .option('--timeout <seconds>', 'how long to wait for each phase', '1800')
    .option('--concurrency <n>', 'introspect and provide at most this many nodes at a time (default: all at once)')
    .action(async (file: string, opts: { validateOnly: boolean; introspect: boolean; provide: boolean; timeout: string; concurrency?: string }, cmd: Command) => {
      const g = globals(cmd);
      const concurrency = concurrencyOf(opts.concurrency);
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (err) {
        throw new InvalidError('FILE_NOT_READABLE', `cannot read ${file}: ${(err as Error).message}`);
      }
      const nc = nodeClient(g.config);
      try {
        const res = await call(nc.conn, nc.client.importNodes, nc.client, { instackenvJson: text, validateOnly: opts.validateOnly, manage: !opts.validateOnly });
        if (opts.validateOnly) {
          process.stderr.write(`${file} is valid: ${res.nodes.length} node(s) would be enrolled\n`);
          out(renderData(res.nodes.map(nodeView), g.format, () => renderTable(res.nodes, nodeColumns)));
          return;
        }
        const names = res.nodes.map((n) => n.name);
        const timeout = Number(opts.timeout);
        let nodes = await waitForNodes(nc, names, 'manageable', timeout);
        // TripleO's introspection defaults: a node that failed is introspected once more, two minutes later.
        if (opts.introspect) nodes = await verbInBatches(nc, names, 'inspect', 'manageable', timeout, concurrency, { retries: 1, pauseS: 120 });
        if (opts.provide) nodes = await verbInBatches(nc, names, 'provide', 'available', timeout, concurrency);
        out(renderData(nodes.map(nodeView), g.format, () => renderTable(nodes, nodeColumns)));
      } finally {
        nc.conn.close();
      }
    });
}
