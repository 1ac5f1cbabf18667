/**
 * The agent-based provisioning path through the real daemon, the real CLI and the real bundled agent, with
 * a machine simulated on the host (simulated-node.ts: a sparse-file disk, iPXE scripts fetched by MAC, the
 * agent started with the script's kernel line) and a fake BMC. Everything between is real: one-time tokens
 * on the kernel line, the CA fetched and pinned by digest, mTLS sessions, inventory, root device choice,
 * the ramdisk's nbdkit export, the NBD writer with read-back verification, the config drive partition, the
 * node agent enrolling from the config drive, revocation on rebuild, cleaning. The VM lab test does the
 * same with QEMU machines (tests/integration/lab).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { OVERCLOUD_BIN, UNDERCLOUD_BIN, runCli, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { AGENT_BUNDLE, SimulatedNode } from './simulated-node.js';
import { requireTools } from '../../helpers/tools.js';

const MIB = 1024 * 1024;
const MAC = '52:54:00:5a:00:01';
let d: TestDaemon;
let sim: SimulatedNode;
let httpBase = '';
let stopLoop = false;
let loop: Promise<void> | undefined;
const oc = (...args: string[]) => runCli(OVERCLOUD_BIN, args, d.configFile);
const uc = (...args: string[]) => runCli(UNDERCLOUD_BIN, args, d.configFile);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface NodeJson { name: string; id: string; provision_state: string; power_state: string; last_error: string; properties: Record<string, unknown>; instance_info: Record<string, unknown> }

/** How many agent.revoked events say the node's credentials were revoked because it was `why`. */
async function revokedFor(why: string): Promise<number> {
  const ev = await uc('-f', 'json', 'events', '--kind', 'agent.revoked', '--limit', '1000');
  expect(ev.code, ev.stderr).toBe(0);
  return ev.stdout.split('\n').filter((l) => l.includes(`node sim-0 ${why}`)).length;
}

async function show(): Promise<NodeJson & { history: { event: string; from: string; to: string; message: string }[] }> {
  const r = await oc('-f', 'json', 'node', 'show', 'sim-0', '--history');
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** The machine's "firmware": follows power and the iPXE script, as a real node would. */
async function firmware(): Promise<void> {
  while (!stopLoop) {
    try {
      const n = await show();
      if (n.power_state !== 'power on') {
        sim.powerOff();
      } else {
        const s = await sim.script();
        if (s.ramdisk && !sim.ramdiskAgent) {
          // A ramdisk boot replaces whatever ran (the installed system on rebuild or undeploy).
          if (sim.nodeAgent) await waitExit(sim.nodeAgent, 5000); // its credentials were revoked: it should stop by itself
          sim.powerOff();
          sim.bootRamdisk(s.cmdline);
        } else if (!s.ramdisk && sim.ramdiskAgent) {
          sim.stopRamdisk(); // the ramdisk was cleaned up: the node reboots
        } else if (!s.ramdisk && !sim.nodeAgent && n.provision_state === 'wait call-back') {
          sim.bootInstalled();
        }
      }
    } catch (err) {
      if (!stopLoop && !/no node named/.test((err as Error).message)) process.stderr.write(`firmware loop: ${(err as Error).message}\n`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitExit(c: NonNullable<SimulatedNode['nodeAgent']>, ms: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    c.once('exit', () => {
      clearTimeout(t);
      r();
    });
  });
}

/** A 64 MiB GPT "golden image" with recognisable data, registered through `overcloud image upload`. */
function makeImage(dir: string): string {
  const img = path.join(dir, 'golden.raw');
  const fd = openSync(img, 'w');
  writeSync(fd, Buffer.alloc(1), 0, 1, 64 * MIB - 1);
  closeSync(fd);
  execFileSync('sh', ['-c', `printf 'label: gpt\\nsize=8MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=ESP\\ntype=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root\\n' | sfdisk -q ${img}`]);
  const w = openSync(img, 'r+');
  for (const off of [2, 9, 20, 41, 62]) writeSync(w, randomBytes(256 * 1024), 0, 256 * 1024, off * MIB);
  closeSync(w);
  const sha = execFileSync('sha256sum', [img], { encoding: 'utf8' }).split(' ')[0];
  writeFileSync(path.join(dir, 'golden.manifest.json'), JSON.stringify({ name: 'golden', ramdisk: false, outputs: [{ file: 'golden.raw', format: 'raw', size: 64 * MIB, sha256: sha }] }));
  return img;
}

function sameRange(a: string, b: string, from: number, to: number): boolean {
  const fa = openSync(a, 'r');
  const fb = openSync(b, 'r');
  try {
    const ba = Buffer.alloc(to - from);
    const bb = Buffer.alloc(to - from);
    readSync(fa, ba, 0, ba.length, from);
    readSync(fb, bb, 0, bb.length, from);
    return ba.equals(bb);
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

beforeAll(async () => {
  if (!existsSync(AGENT_BUNDLE)) throw new Error('the agent bundle is missing: run "npm run build"');
  requireTools([['nbdkit', 'nbdkit'], ['sfdisk', 'fdisk'], ['mkfs.vfat', 'dosfstools'], ['mtype', 'mtools']]);
  const [agentPort, httpPort] = [await freePort(), await freePort()];
  d = await startTestDaemon({
    defaults: { agent_listen: `127.0.0.1:${agentPort}`, clean_nodes: 'true' },
    extraConfig: `[orchestration]\nserver_driver = baremetal\nagent_driver = hub\npoll_max_ms = 500\n\n[baremetal]\nsync_power_state_interval = 0\nbmc_retry_interval = 0\ndeploy_callback_timeout = 240\nclean_callback_timeout = 120\ninspect_wait_timeout = 120\n\n[pxe]\nhttp = true\nhttp_listen = 127.0.0.1:${httpPort}\n`,
  });
  httpBase = `http://127.0.0.1:${httpPort}`;
  const machineRoot = path.join(d.dir, 'machine');
  mkdirSync(machineRoot, { recursive: true });
  sim = new SimulatedNode(machineRoot, MAC, httpBase);
  loop = firmware();
}, 60_000);

afterAll(async () => {
  stopLoop = true;
  await loop;
  sim?.powerOff();
  await d?.stop();
  d?.cleanup();
});

describe('agent-based provisioning (simulated machine, real agent)', () => {
  let image = '';

  it('enrolls a node with the agent interfaces and registers a golden image', async () => {
    const env = path.join(d.dir, 'instackenv.json');
    writeFileSync(env, JSON.stringify({ nodes: [{ name: 'sim-0', pm_type: 'fake', mac: [MAC], capabilities: 'profile:compute', boot_interface: 'ipxe', deploy_interface: 'direct', inspect_interface: 'agent' }] }));
    const r = await oc('-f', 'json', 'node', 'import', env);
    expect(r.code, r.stderr).toBe(0);
    image = makeImage(d.dir);
    const up = await oc('image', 'upload', '--image-path', d.dir);
    expect(up.code, up.stderr).toBe(0);
  });

  it('introspects: ramdisk agent with a one-time token, inventory saved, node powered off', async () => {
    const r = await oc('-f', 'json', 'node', 'introspect', 'sim-0', '--wait', '120');
    expect(r.code, `${r.stderr}\n${sim.output}`).toBe(0);
    const n = await show();
    expect(n.provision_state).toBe('manageable');
    expect(n.power_state).toBe('power off');
    expect(n.properties).toMatchObject({ cpus: 2, memory_mb: 2048, local_gb: 5, cpu_arch: 'x86_64' });
    expect(n.history.map((h) => h.to)).toEqual(expect.arrayContaining(['inspecting', 'inspect wait', 'manageable']));
    expect(sim.output).toContain('CA fetched from');
    expect(sim.output).toContain('starting in ramdisk mode');
  });

  it('node configure --root-device smallest: the hint names the inspected disk by its serial; the deploys below write to it', async () => {
    const r = await oc('-f', 'json', 'node', 'configure', 'sim-0', '--root-device', 'smallest');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ node: 'sim-0', device: '/dev/vda', hint: { serial: 'SIM-VDA' }, local_gb: 5, skipped: null, warning: null }]);
    expect((await show()).properties).toMatchObject({ root_device: { serial: 'SIM-VDA' }, local_gb: 5 });
  });

  it('provides with automated cleaning: the disk metadata is wiped through the agent', async () => {
    const fd = openSync(sim.disk, 'r+');
    writeSync(fd, Buffer.from('OLD PARTITION TABLE'), 0, 19, 512);
    closeSync(fd);
    const r = await oc('-f', 'json', 'node', 'provide', 'sim-0', '--wait', '120');
    expect(r.code, `${r.stderr}\n${sim.output}`).toBe(0);
    const n = await show();
    expect(n.provision_state).toBe('available');
    expect(n.history.map((h) => h.to)).toEqual(expect.arrayContaining(['cleaning', 'clean wait', 'available']));
    const head = Buffer.alloc(MIB);
    const f = openSync(sim.disk, 'r');
    readSync(f, head, 0, MIB, 0);
    closeSync(f);
    expect(head.every((b) => b === 0)).toBe(true);
  });

  it('refuses to deploy an image that is not in the image store, without booting', async () => {
    const r = await oc('node', 'deploy', 'sim-0', '--image', 'no-such-image');
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('no-such-image');
    expect((await show()).provision_state).toBe('available');
  });

  it('a failed deploy names the node, the step and the cause with the agent log; undeploy recovers the node', async () => {
    // Something else holds the NBD port on the "machine": the ramdisk's export cannot start.
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(10809, '0.0.0.0', () => r()));
    try {
      const r = await oc('node', 'deploy', 'sim-0', '--image', 'golden', '--wait', '120');
      expect(r.code).not.toBe(0);
      const n = await show();
      expect(n.provision_state).toBe('deploy failed');
      expect(n.last_error).toContain('node sim-0: deploy failed at step "write image"');
      expect(n.last_error).toContain('step disk_export failed');
      expect(n.last_error).toContain('agent log');
      expect(n.last_error).toMatch(/nbdkit/);
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
    const u = await oc('node', 'undeploy', 'sim-0', '--wait', '120');
    expect(u.code, `${u.stderr}\n${sim.output}`).toBe(0);
    expect((await show()).provision_state).toBe('available');
  });

  it('deploys: image written over NBD and verified, config drive, boot from disk, node agent connects', async () => {
    const key = path.join(d.dir, 'id.pub');
    writeFileSync(key, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests operator@undercloud\n');
    const r = await oc('-f', 'json', 'node', 'deploy', 'sim-0', '--image', 'golden', '--hostname', 'compute-0', '--ssh-key', key, '--wait', '240');
    expect(r.code, `${r.stderr}\n${sim.output}`).toBe(0);
    expect(r.stderr).toMatch(/node sim-0: golden written and verified in [\d.]+ s/); // progress while --wait follows the deploy
    const n = await show();
    expect(n.provision_state).toBe('active');
    // What it was deployed with and when its deploy finished (the orchestration engine's server instance).
    expect(n.instance_info).toMatchObject({ image_source: 'golden', hostname: 'compute-0', image_digest: expect.stringMatching(/^[0-9a-f]{64}$/), deployed_at: expect.any(String) });
    const states = n.history.map((h) => h.to);
    expect(states.slice(states.lastIndexOf('available') + 1)).toEqual(['deploying', 'wait call-back', 'deploying', 'wait call-back', 'deploying', 'active']);
    // The image's data regions are on the disk (the GPT headers changed: backup moved, config drive added).
    expect(sameRange(image, sim.disk, 2 * MIB, 63 * MIB)).toBe(true);
    const cd = sim.configDrive();
    expect(cd).toMatchObject({ uuid: n.id, hostname: 'compute-0', public_keys: { key0: expect.stringContaining('operator@undercloud') } });
    expect(cd.meta.undercloud_ca_pem).toContain('BEGIN CERTIFICATE');
    expect(sim.output).toContain('starting in node mode');
    const ev = await uc('-f', 'json', 'events', '--kind', 'agent.connected');
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toContain('node mode');
    const logs = await oc('node', 'logs', 'sim-0');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('config drive');
  });

  it('rebuilds in place: the old node agent is revoked, a new image write, a new node agent', async () => {
    const before = sim.nodeAgent!;
    const deployedAt = (await show()).instance_info.deployed_at;
    const r = await oc('-f', 'json', 'node', 'rebuild', 'sim-0', '--wait', '240');
    expect(r.code, `${r.stderr}\n${sim.output}`).toBe(0);
    const n = await show();
    expect(n.provision_state).toBe('active');
    expect(n.instance_info.deployed_at).toEqual(expect.any(String));
    expect(n.instance_info.deployed_at).not.toBe(deployedAt);
    expect(before.exitCode ?? before.signalCode).not.toBeNull();
    expect(sim.nodeAgent).toBeDefined();
    expect(sim.nodeAgent).not.toBe(before);
    expect(sim.output).toMatch(/revoked/);
    expect(await revokedFor('rebuilt')).toBe(1); // at the start of the rebuild, not only at re-enrollment
  });

  it('undeploys: cleaned and available again', async () => {
    const revokedBefore = await revokedFor('undeployed');
    const r = await oc('-f', 'json', 'node', 'undeploy', 'sim-0', '--wait', '120');
    expect(r.code, `${r.stderr}\n${sim.output}`).toBe(0);
    const n = await show();
    expect(n.provision_state).toBe('available');
    expect(n.power_state).toBe('power off');
    const head = Buffer.alloc(MIB);
    const f = openSync(sim.disk, 'r');
    readSync(f, head, 0, MIB, 0);
    closeSync(f);
    expect(head.every((b) => b === 0)).toBe(true);
    expect(await revokedFor('undeployed')).toBe(revokedBefore + 1);
  });

  it('serves the orchestration engine: a stack allocates the node by profile, its node agent runs the SoftwareDeployment, delete releases it', async () => {
    const tdir = path.join(d.dir, 'templates');
    mkdirSync(tdir, { recursive: true });
    writeFileSync(path.join(tdir, 'overcloud.yaml'), [
      'heat_template_version: wallaby',
      'resources:',
      '  Server:',
      '    type: OS::TripleO::Server',
      '    properties: {name: compute-0, profile: compute, image: golden}',
      '  Config:',
      '    type: OS::Heat::SoftwareConfig',
      '    properties: {group: script, config: "#!/bin/sh\\necho configured $(cat /proc/sys/kernel/hostname >/dev/null && echo by-agent) $greeting\\n"}',
      '  Deployment:',
      '    type: OS::Heat::SoftwareDeployment',
      '    properties: {config: {get_resource: Config}, server: {get_resource: Server}, input_values: {greeting: hello}}',
      'outputs:',
      '  node: {value: {get_attr: [Server, node_id]}}',
      '  ip: {value: {get_attr: [Server, ip_address]}}',
      '  stdout: {value: {get_attr: [Deployment, deploy_stdout]}}',
      '',
    ].join('\n'));
    const r = await oc('deploy', '--templates', tdir, '--stack', 'bm', '--format', 'json');
    expect(r.code, `${r.stderr}\n${sim.output}`).toBe(0);
    const res = JSON.parse(r.stdout) as { status: string; outputs: Record<string, string> };
    expect(res.status).toBe('COMPLETE');
    const n = await show();
    expect(n.provision_state).toBe('active');
    expect(res.outputs.node).toBe(n.id);
    expect(res.outputs.ip).toBe('127.0.0.1');
    expect(res.outputs.stdout).toContain('configured by-agent hello');

    // A rebuilt server comes back with the image only: the next deploy applies its config again (to the
    // new system's agent), and the one after is a no-op.
    const reapplied = async (): Promise<string[]> => {
      const ev = await oc('-f', 'json', 'stack', 'events', '--stack', 'bm');
      expect(ev.code, ev.stderr).toBe(0);
      return (JSON.parse(ev.stdout) as { message: string }[]).map((e) => e.message).filter((m) => m.includes('was imaged again'));
    };
    const rebuilt = await oc('-f', 'json', 'node', 'rebuild', 'sim-0', '--wait', '240');
    expect(rebuilt.code, `${rebuilt.stderr}\n${sim.output}`).toBe(0);
    const redeploy = await oc('deploy', '--templates', tdir, '--stack', 'bm', '--format', 'json');
    expect(redeploy.code, `${redeploy.stderr}\n${sim.output}`).toBe(0);
    expect((JSON.parse(redeploy.stdout) as { outputs: Record<string, string> }).outputs.stdout).toContain('configured by-agent hello');
    const messages = await reapplied();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(`server ${n.id} was imaged again`);
    const noop = await oc('deploy', '--templates', tdir, '--stack', 'bm', '--format', 'json');
    expect(noop.code, noop.stderr).toBe(0);
    expect(await reapplied()).toHaveLength(1);

    const del = await oc('delete', '--stack', 'bm', '--yes');
    expect(del.code, `${del.stderr}\n${sim.output}`).toBe(0);
    expect((await show()).provision_state).toBe('available');
  });
});
