/**
 * `undercloud lab up|down|status`: the VM lab for machines without a provisioning network (undercloud/lab).
 * `up` prints where the instackenv.json and the undercloud.conf settings are; as root only. `up --no-nodes`
 * makes the namespace and libvirtd only, and prints the vagrant command that creates the nodes instead
 * (vagrant/Vagrantfile, vagrant/README.md).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidError } from '../../errors.js';
import { renderData, renderFields } from '../common/output.js';
import { globals, out } from '../common/program.js';

const DEFAULT_DIR = '/var/lib/undercloud-lab';

/** The project's vagrant/ folder (holding the Vagrantfile), from this file in the sources or in dist/. */
function vagrantDir(): string | undefined {
  let d = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, d = path.dirname(d)) if (existsSync(path.join(d, 'vagrant', 'Vagrantfile'))) return path.join(d, 'vagrant');
  return undefined;
}

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidError('CLI_USAGE', `--${name} must be an integer from ${min} to ${max}, got ${v}`);
  return n;
}

export function register(program: Command): void {
  const lab = program.command('lab').description('the VM lab: a network namespace with the provisioning bridge, a private libvirtd and network-booting TCG nodes');
  lab
    .command('up')
    .description('create (or complete) the lab and write its instackenv.json and undercloud.conf settings')
    .option('--name <name>', 'lab name (namespace ucl-<name>)', 'lab')
    .option('--dir <dir>', 'lab folder (disks, consoles, libvirt state)')
    .option('--nodes <n>', 'number of nodes', '2')
    .option('--no-nodes', 'no nodes: create them with vagrant/Vagrantfile (prints the command)')
    .option('--profiles <list>', 'capability profiles, cycled over the nodes', 'control,compute')
    .option('--memory <MiB>', 'memory per node', '1536')
    .option('--disk <GiB>', 'disk per node (sparse)', '8')
    .option('--configure <undercloud.conf>', 'also write the lab settings into this undercloud.conf (then run undercloud install)')
    .action(async (o: { name: string; dir?: string; nodes: string | false; profiles: string; memory: string; disk: string; configure?: string }, cmd: Command) => {
      const g = globals(cmd);
      const { labUp, LAB_DEFAULTS, configureUndercloud, labVagrantCommand, labVagrantEnv } = await import('../../lab/lab.js');
      const dir = path.resolve(o.dir ?? path.join(DEFAULT_DIR, o.name));
      const say = (m: string) => process.stderr.write(`lab: ${m}\n`);
      const s = await labUp({
        ...LAB_DEFAULTS, name: o.name, dir, nodes: o.nodes === false ? 0 : int('nodes', o.nodes, 1, 64), profiles: o.profiles.split(',').map((p) => p.trim()).filter(Boolean),
        memoryMiB: int('memory', o.memory, 256, 65536), diskGiB: int('disk', o.disk, 1, 4096),
      }, g.format === 'table' ? say : () => undefined);
      if (o.configure) {
        const changed = configureUndercloud(path.resolve(o.configure), s);
        say(changed.length > 0 ? `${o.configure}: set ${changed.join(', ')}` : `${o.configure}: already configured for the lab`);
      }
      const vagrant = s.nodes.length === 0 ? { vagrant: labVagrantCommand(s, vagrantDir()) } : {};
      out(renderData(s.nodes.length === 0 ? { ...s, vagrantEnv: labVagrantEnv(s) } : s, g.format, () => renderFields({
        lab: s.name, namespace: s.netns, libvirt: s.libvirtUri, nodes: s.nodes.map((n) => n.name).join(', ') || '(none: vagrant/Vagrantfile)', instackenv: s.instackenv, 'undercloud.conf': s.undercloudConf, ...vagrant,
      })));
    });
  lab
    .command('down')
    .description('remove the lab\'s nodes, libvirtd and namespace (--purge: its folder and disks too)')
    .option('--name <name>', 'lab name', 'lab')
    .option('--dir <dir>', 'lab folder')
    .option('--purge', 'delete the lab folder', false)
    .action(async (o: { name: string; dir?: string; purge: boolean }) => {
      const { labDown } = await import('../../lab/lab.js');
      labDown(path.resolve(o.dir ?? path.join(DEFAULT_DIR, o.name)), o.purge, (m) => process.stderr.write(`lab: ${m}\n`));
    });
  lab
    .command('status')
    .description('the lab\'s nodes and their power state')
    .option('--name <name>', 'lab name', 'lab')
    .option('--dir <dir>', 'lab folder')
    .action(async (o: { name: string; dir?: string }, cmd: Command) => {
      const g = globals(cmd);
      const { labStatus } = await import('../../lab/lab.js');
      const dir = path.resolve(o.dir ?? path.join(DEFAULT_DIR, o.name));
      const st = labStatus(dir);
      if (!st) throw new InvalidError('LAB_NOT_FOUND', `no lab in ${dir}; create one with "undercloud lab up"`);
      out(renderData({ ...st.state, libvirtd: st.libvirtd, domains: st.domains }, g.format, () => renderFields({ lab: st.state.name, namespace: st.state.netns, libvirt: st.state.libvirtUri, libvirtd: st.libvirtd ? 'running' : 'down', ...st.domains })));
    });
}
