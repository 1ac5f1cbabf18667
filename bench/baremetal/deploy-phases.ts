/**
 * Deploy phases in the VM lab (issue 7's benchmark): a real daemon inside a lab namespace, TCG nodes, the
 * real ramdisk and golden image. Deploys 1 node, undeploys it, then deploys 4 at once, and prints per node:
 * power on -> ramdisk agent up -> image written -> node agent up (from the daemon's own events).
 * Goal: 4 concurrent nodes take at most 1.5x the single node's wall time. Needs root, libvirt, QEMU and
 * the image build cache (BENCH_IMAGE_CACHE, default the tests' cache in the temp folder).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchResult } from '../types.js';
import { LAB_DEFAULTS, labDown, labSettings, labUp } from '../../undercloud/lab/lab.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const UC = path.join(ROOT, 'bin', 'undercloud');
const OC = path.join(ROOT, 'bin', 'overcloud');

interface Ev { timestamp: string; kind: string; subject_id: string; message: string; data: { node?: string; to?: string; from?: string; phase?: string } }

function cli(bin: string, config: string, args: string[]): string {
  const r = spawnSync(process.execPath, [bin, '--config', config, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')}: ${r.stderr.trim().slice(-3000)}`);
  return r.stdout;
}

interface Phases { node: string; powerOn: number; ramdiskUp: number; imageWritten: number; nodeAgentUp: number; total: number }

/** Phase durations of each node's last deploy, from the events after `afterId`. */
function phases(events: Ev[], nodes: string[]): Phases[] {
  return nodes.map((node) => {
    const mine = events.filter((e) => e.data.node === node);
    const t = (pred: (e: Ev) => boolean) => {
      const e = mine.find(pred);
      if (!e) throw new Error(`node ${node}: a deploy phase is missing from the events`);
      return Date.parse(e.timestamp);
    };
    const start = t((e) => e.kind === 'node.provision_state' && e.data.to === 'deploying' && e.data.from === 'available');
    const waiting = t((e) => e.kind === 'node.provision_state' && e.data.to === 'wait call-back');
    const ramdisk = t((e) => e.kind === 'node.provision_state' && e.data.from === 'wait call-back' && e.data.to === 'deploying');
    const written = t((e) => e.kind === 'node.deploy_progress' && e.data.phase === 'image written');
    const active = t((e) => e.kind === 'node.provision_state' && e.data.to === 'active');
    return { node, powerOn: waiting - start, ramdiskUp: ramdisk - waiting, imageWritten: written - ramdisk, nodeAgentUp: active - written, total: active - start };
  });
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const bench: Benchmark = {
  description: 'deploy phases in the VM lab: 1 node, then 4 at once (power on -> ramdisk agent -> image written -> node agent)',
  async run(): Promise<BenchResult> {
    if (process.getuid?.() !== 0) throw new Error('the deploy benchmark needs root (network namespace, libvirtd)');
    const work = mkdtempSync(path.join(tmpdir(), 'uc-bench-bm-'));
    chmodSync(work, 0o755);
    const lab = await labUp({ ...LAB_DEFAULTS, name: `b${process.pid % 10000}`, dir: path.join(work, 'lab'), nodes: 4, profiles: ['compute'] });
    const ucDir = path.join(work, 'undercloud');
    mkdirSync(ucDir, { recursive: true });
    const config = path.join(ucDir, 'undercloud.conf');
    const settings = labSettings(lab);
    const ini = (sec: string, kv: Record<string, string>) => `[${sec}]\n${Object.entries(kv).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
    writeFileSync(config, [
      ini('DEFAULT', { ...settings.DEFAULT!, state_dir: `${ucDir}/state`, pki_dir: `${ucDir}/pki`, socket_path: `${ucDir}/run/uc.sock`, log_file: `${ucDir}/log/undercloud.log`, clean_nodes: 'false' }),
      ini('pxe', settings.pxe!),
      ini('baremetal', { sync_power_state_interval: '0', deploy_callback_timeout: '2400' }),
    ].join('\n'));
    let daemon: ChildProcess | undefined;
    try {
      daemon = spawn(process.execPath, [UC, '--config', config, 'daemon'], { stdio: 'ignore' });
      for (let i = 0; i < 120; i++) {
        if (spawnSync(process.execPath, [UC, '--config', config, 'status'], { stdio: 'ignore' }).status === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const images = path.join(work, 'images');
      cli(OC, config, ['image', 'build', '--config-file', path.join(ROOT, 'tests', 'fixtures', 'lab', 'lab-images.yaml'), '--output-dir', images, '--cache-dir', process.env.BENCH_IMAGE_CACHE ?? path.join(tmpdir(), 'undercloud-dib-test-cache')]);
      cli(OC, config, ['image', 'upload', '--image-path', images]);
      cli(OC, config, ['node', 'import', '--provide', lab.instackenv]);
      const names = lab.nodes.map((n) => n.name);
      const run = (nodes: string[]) => {
        const after = Number((JSON.parse(cli(UC, config, ['-f', 'json', 'status'])) as { last_event_id: number | string }).last_event_id);
        const t0 = Date.now();
        cli(OC, config, ['node', 'deploy', ...nodes, '--image', 'overcloud-lab', '--wait', '3600']);
        const wall = Date.now() - t0;
        const evs = JSON.parse(cli(UC, config, ['-f', 'json', 'events', '--after', String(after), '--kind', 'node.', '--limit', '100000'])) as Ev[];
        return { wall, phases: phases(evs, nodes) };
      };
      const one = run(names.slice(0, 1));
      cli(OC, config, ['node', 'undeploy', names[0]!, '--wait', '1800']);
      const four = run(names);
      const lines = ['  node                phase: power on   ramdisk agent up   image written   node agent up   total'];
      for (const [label, r] of [['1 node', one], ['4 nodes', four]] as const) {
        lines.push(`  ${label}: wall ${s(r.wall)}`);
        for (const p of r.phases) lines.push(`  ${p.node.padEnd(20)} ${s(p.powerOn).padStart(12)} ${s(p.ramdiskUp).padStart(18)} ${s(p.imageWritten).padStart(15)} ${s(p.nodeAgentUp).padStart(15)} ${s(p.total).padStart(7)}`);
      }
      const ratio = four.wall / one.wall;
      lines.push(`  4 nodes / 1 node wall time: ${ratio.toFixed(2)}x (goal <= 1.5x); load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
      return { lines, goalsMet: ratio <= 1.5, goalNote: `4 concurrent deploys took ${ratio.toFixed(2)}x the single one` };
    } finally {
      daemon?.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 3000));
      labDown(lab.dir, true);
      rmSync(work, { recursive: true, force: true });
    }
  },
};
