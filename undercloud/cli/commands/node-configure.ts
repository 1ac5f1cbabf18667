/**
 * `overcloud node configure [NODE...] [--all-manageable] --root-device smallest|largest|NAME,...
 * [--root-device-minimum-size GIB] [--overwrite-root-device-hints]` (TripleO's): after introspection, sets
 * each node's root device hints from its inventory, so a deploy writes the image to the disk the operator
 * meant on a node with several. The daemon picks the disk (baremetal/agent/root-device.ts
 * rootDeviceHintFor). TripleO's --deploy-kernel/--deploy-ramdisk have no counterpart: the deploy ramdisk is
 * the undercloud's ([pxe] deploy_kernel/deploy_ramdisk), the same for every node.
 */
import type { Command } from 'commander';
import { call } from '../common/client.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { UndercloudError } from '../../errors.js';
import { nodeClient, selectNodes } from './node-common.js';
import { nodeCommand } from './node-group.js';

interface ConfigureOptions { allManageable?: boolean; rootDevice?: string; rootDeviceMinimumSize: string; overwriteRootDeviceHints: boolean }

interface Configured { node: string; device: string; hint: unknown; local_gb: number | null; skipped: string | null; warning: string | null }

export function register(program: Command): void {
  nodeCommand(program)
    .command('configure')
    .description('after introspection: set root device hints from each node\'s inventory (the disk images are written to)')
    .argument('[nodes...]', 'node names or ids')
    .option('--all-manageable', 'every node in manageable')
    .option('--root-device <choice>', 'smallest, largest, or device names to choose from in order (sda,vdb)')
    .option('--root-device-minimum-size <gib>', 'never choose a disk smaller than this', '4')
    .option('--overwrite-root-device-hints', 'replace hints a node already has (otherwise it is left as it is)', false)
    .action(async (names: string[], opts: ConfigureOptions, cmd: Command) => {
      const g = globals(cmd);
      if (!opts.rootDevice) throw new UndercloudError('USAGE', 'nothing to configure: give --root-device smallest|largest|NAME,...');
      const min = Number(opts.rootDeviceMinimumSize);
      if (!Number.isInteger(min) || min < 1) throw new UndercloudError('USAGE', `--root-device-minimum-size must be a whole number of GiB, not "${opts.rootDeviceMinimumSize}"`);
      const choice = opts.rootDevice === 'smallest' || opts.rootDevice === 'largest'
        ? { strategy: opts.rootDevice, names: [] }
        : { strategy: '', names: opts.rootDevice.split(',').map((n) => n.trim()).filter((n) => n !== '') };
      const nc = nodeClient(g.config);
      try {
        const rows: Configured[] = [];
        for (const node of await selectNodes(nc, names, opts.allManageable)) {
          const r = await call(nc.conn, nc.client.configureRootDevice, nc.client, { node, ...choice, minimumSizeGib: min, overwrite: opts.overwriteRootDeviceHints });
          rows.push({ node: r.node!.name, device: r.device, hint: r.hintJson ? JSON.parse(r.hintJson) as unknown : null, local_gb: r.device ? r.node!.localGb : null, skipped: r.skipped || null, warning: r.warning || null });
          if (r.skipped) process.stderr.write(`${r.skipped}\n`);
          if (r.warning) process.stderr.write(`warning: ${r.warning}\n`);
        }
        out(renderData(rows, g.format, () => renderTable(rows, [
          { header: 'Node', get: (r) => r.node },
          { header: 'Root device', get: (r) => r.device || '(unchanged)' },
          { header: 'Hint', get: (r) => (r.hint ? JSON.stringify(r.hint) : '') },
          { header: 'local_gb', get: (r) => (r.local_gb === null ? '' : String(r.local_gb)) },
        ])));
      } finally {
        nc.conn.close();
      }
    });
}
