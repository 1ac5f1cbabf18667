/**
 * `overcloud node set NODE [--name N] [--property K=V]... [--capability K=V]... [--driver-info K=V]...` and
 * `overcloud node unset NODE [--property K]... [--capability K]... [--driver-info K]...` (Ironic's
 * `baremetal node set|unset`): tag nodes with a profile after enrolment, fix hardware properties, rotate a
 * BMC password. The daemon validates the result with the node's drivers before saving it.
 */
import type { Command } from 'commander';
import { call } from '../common/client.js';
import { keyValues } from '../common/key-values.js';
import { renderData, renderFields } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { nodeClient, nodeView } from './node-common.js';
import { nodeCommand } from './node-group.js';
import type { Node, UpdateNodeRequest } from '../../../proto/gen/undercloud/v1/baremetal.js';

async function update(cmd: Command, node: string, req: Omit<UpdateNodeRequest, 'node'>): Promise<void> {
  const g = globals(cmd);
  const nc = nodeClient(g.config);
  try {
    const n: Node = (await call(nc.conn, nc.client.updateNode, nc.client, { ...req, node })).node!;
    const v = nodeView(n);
    out(renderData(v, g.format, () => renderFields({ name: v.name, id: v.id, provision_state: v.provision_state, properties: JSON.stringify(v.properties), driver_info: JSON.stringify(v.driver_info) })));
  } finally {
    nc.conn.close();
  }
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const node = nodeCommand(program);
  node
    .command('set')
    .description('change an enrolled node: name, properties, capabilities (e.g. profile=compute), driver_info (e.g. a new BMC password)')
    .argument('<node>', 'name or id')
    .option('--name <name>', 'a new name')
    .option('--property <key=value>', 'cpus, memory_mb, local_gb, cpu_arch, root_device (JSON), capabilities ("k:v,k:v"); repeatable', collect)
    .option('--capability <key=value>', 'one capability, e.g. profile=compute; repeatable', collect)
    .option('--driver-info <key=value>', 'one driver_info field, e.g. ipmi_password=...; repeatable', collect)
    .action(async (name: string, opts: { name?: string; property?: string[]; capability?: string[]; driverInfo?: string[] }, cmd: Command) => {
      await update(cmd, name, {
        name: opts.name ?? '', setProperties: keyValues(opts.property, '--property'), setCapabilities: keyValues(opts.capability, '--capability'),
        setDriverInfo: keyValues(opts.driverInfo, '--driver-info'), unsetProperties: [], unsetCapabilities: [], unsetDriverInfo: [],
      });
    });
  node
    .command('unset')
    .description('remove properties, capabilities or driver_info fields of an enrolled node')
    .argument('<node>', 'name or id')
    .option('--property <key>', 'a property to remove; repeatable', collect)
    .option('--capability <key>', 'a capability to remove; repeatable', collect)
    .option('--driver-info <key>', 'a driver_info field to remove; repeatable', collect)
    .action(async (name: string, opts: { property?: string[]; capability?: string[]; driverInfo?: string[] }, cmd: Command) => {
      await update(cmd, name, {
        name: '', setProperties: {}, setCapabilities: {}, setDriverInfo: {},
        unsetProperties: opts.property ?? [], unsetCapabilities: opts.capability ?? [], unsetDriverInfo: opts.driverInfo ?? [],
      });
    });
}
