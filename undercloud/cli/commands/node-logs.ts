/** `overcloud node logs NODE [--step ID] [--follow]`: the stored log of a node's agent steps, then live. */
import type { Command } from 'commander';
import { AgentsClient, type LogLine } from '../../../proto/gen/undercloud/v1/agents.js';
import { connect, translateError } from '../common/client.js';
import { enrolledNodeId } from './agent-common.js';
import { globals, out } from '../common/program.js';
import { nodeCommand } from './node-group.js';

export function register(program: Command): void {
  nodeCommand(program)
    .command('logs')
    .description('show the logs the node\'s agent streamed for its steps (all steps, or one with --step); --follow keeps streaming')
    .argument('<node>', 'node name or id (an agent-only node, such as a deployed server, by id)')
    .option('--step <id>', 'only this step')
    .option('--follow', 'keep streaming new log chunks until interrupted', false)
    .action(async (node: string, opts: { step?: string; follow: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const conn = connect(g.config);
      const client = conn.client(AgentsClient);
      const nodeId = await enrolledNodeId(conn, node);
      const many = !opts.step;
      let lastStep = '';
      const write = (l: LogLine) => {
        if (g.format !== 'table') {
          out(JSON.stringify({ step_id: l.stepId, seq: l.seq, stream: l.stream, timestamp: l.timestamp, data: l.data }) + '\n');
          return;
        }
        if (many && l.stepId !== lastStep) out(`==> step ${l.stepId} <==\n`);
        lastStep = l.stepId;
        out(l.stream === 'stderr' ? l.data.replace(/^(?=.)/gm, 'E ') : l.data);
      };
      await new Promise<void>((resolve, reject) => {
        const stream = client.nodeLogs({ nodeId, stepId: opts.step ?? '', follow: opts.follow });
        stream.on('data', write);
        stream.on('error', (err) => ((err as { code?: number }).code === 1 ? resolve() : reject(translateError(err, conn.config))));
        stream.on('end', resolve);
        process.once('SIGINT', () => stream.cancel());
      }).finally(() => conn.close());
    });
}
