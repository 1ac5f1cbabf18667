/**
 * vagrant/Vagrantfile against the lab (issue 8): `undercloud lab up --no-nodes` makes the lab's network
 * namespace, bridge and private libvirtd; the real `vagrant up` (vagrant-libvirt, its own VAGRANT_HOME and
 * dotfile folder in a temp dir) creates two box-less TCG nodes there with the settings the CLI printed. The
 * test checks the domains (network boot first, one NIC on the bridge with the expected MAC and nothing
 * else, empty raw disks of the requested size, powered off), that a started node's tap joins br-ctlplane
 * inside the namespace only, that the instackenv.json vagrant wrote passes `overcloud node import
 * --validate-only` and really enrolls (libvirt power through the lab libvirtd), and that `vagrant destroy -f`
 * removes domains, volumes and the file. Everything is torn down afterwards, also on failure. The nodes
 * never boot an OS: the test takes well under a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { OVERCLOUD_BIN, ROOT, UNDERCLOUD_BIN, runCli, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { labDown, type LabState } from '../../../undercloud/lab/lab.js';
import { deleteNetwork, listDomains, stopLibvirtd, virsh } from '../../../undercloud/lab/host.js';
import { hasCommand, requireTools } from '../../helpers/tools.js';

const VAGRANT_DIR = path.join(ROOT, 'vagrant');
const DISK_GIB = 1;
const name = `v${randomBytes(2).toString('hex')}`;
let work = '';
let labDir = '';
let lab: (LabState & { vagrantEnv: Record<string, string> }) | undefined;
let env: NodeJS.ProcessEnv | undefined;
let d: TestDaemon | undefined;

/** Every tool the test runs, with the Debian package that brings it: a missing one fails the test (no skip). */
function requireVagrantTools(): void {
  const tools: [string, string][] = [
    ['vagrant', 'vagrant'], ['virsh', 'libvirt-clients'], ['libvirtd', 'libvirt-daemon-system'], ['qemu-system-x86_64', 'qemu-system-x86'],
    ['ip', 'iproute2'], ['unshare', 'util-linux'],
  ];
  const plugin: string[] = [];
  if (hasCommand('vagrant')) {
    const plugins = spawnSync('vagrant', ['plugin', 'list'], { encoding: 'utf8', env: { ...process.env, VAGRANT_HOME: path.join(work, 'vagrant-home'), VAGRANT_CHECKPOINT_DISABLE: '1' } });
    if (!/^vagrant-libvirt\b/m.test(plugins.stdout ?? '')) plugin.push('vagrant-libvirt');
  }
  requireTools(tools, plugin);
}

function vagrant(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('vagrant', [...args, '--no-color'], { cwd: VAGRANT_DIR, env, encoding: 'utf8', timeout: 5 * 60_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

function uc(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [UNDERCLOUD_BIN, ...args], { encoding: 'utf8', timeout: 5 * 60_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const domains = () => [0, 1].map((i) => `${name}-node-${i}`);
const macs = () => [0, 1].map((i) => `${lab!.vagrantEnv.UNDERCLOUD_MAC_PREFIX}:00:0${i}`);
const inactiveXml = (domain: string) => virsh(lab!.libvirtUri, ['dumpxml', '--inactive', domain]);

/** True when the whole file reads as zeros (the disk never had anything written to it). */
function allZero(file: string): boolean {
  const buf = Buffer.alloc(16 * 1024 * 1024);
  const zeros = Buffer.alloc(buf.length);
  const fd = openSync(file, 'r');
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) if (!buf.subarray(0, n).equals(zeros.subarray(0, n))) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the vagrant lab test needs root (network namespaces, libvirtd)');
  work = mkdtempSync(path.join(tmpdir(), 'uc-vagrant-'));
  chmodSync(work, 0o755); // QEMU runs as libvirt-qemu: the pool folder's parents must be searchable
  requireVagrantTools();
  labDir = path.join(work, 'lab');
  const up = uc('-f', 'json', 'lab', 'up', '--no-nodes', '--name', name, '--dir', labDir);
  if (up.code !== 0) throw new Error(`undercloud lab up --no-nodes failed:\n${up.stderr}`);
  lab = JSON.parse(up.stdout) as typeof lab;
  env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('UNDERCLOUD_') && !k.startsWith('VAGRANT_'))),
    VAGRANT_HOME: path.join(work, 'vagrant-home'),
    VAGRANT_DOTFILE_PATH: path.join(work, 'vagrant-dot'),
    VAGRANT_CHECKPOINT_DISABLE: '1',
    VAGRANT_BOX_UPDATE_CHECK_DISABLE: '1',
    ...lab!.vagrantEnv,
    UNDERCLOUD_NODES: '2',
    UNDERCLOUD_NODE_MEMORY: '256',
    UNDERCLOUD_NODE_DISK: String(DISK_GIB),
  };
}, 5 * 60_000);

afterAll(async () => {
  if (env) vagrant('destroy', '-f');
  await d?.stop();
  d?.cleanup();
  if (labDir && existsSync(path.join(labDir, 'lab.json'))) labDown(labDir, true);
  else if (labDir) {
    stopLibvirtd(labDir);
    deleteNetwork(`ucl-${name}`);
  }
  if (work) rmSync(work, { recursive: true, force: true });
}, 5 * 60_000);

describe('vagrant/Vagrantfile on the lab libvirtd', () => {
  it('lab up --no-nodes makes the namespace and libvirtd, no node, and tells vagrant where everything is', () => {
    expect(lab!.nodes).toEqual([]);
    expect(existsSync(lab!.instackenv)).toBe(false);
    expect(lab!.vagrantEnv).toMatchObject({ UNDERCLOUD_LIBVIRT_URI: lab!.libvirtUri, UNDERCLOUD_BRIDGE: 'br-ctlplane', UNDERCLOUD_LAB_NAME: name, UNDERCLOUD_INSTACKENV: path.join(labDir, 'instackenv.json') });
    const st = uc('-f', 'json', 'lab', 'status', '--dir', labDir);
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ libvirtd: true, libvirtUri: lab!.libvirtUri, netns: `ucl-${name}`, domains: {} });
  });

  it('vagrant up creates the box-less TCG nodes in the lab libvirtd and powers them off', () => {
    const r = vagrant('up', '--provider', 'libvirt');
    expect(r.code, r.out).toBe(0);
    expect(listDomains(lab!.libvirtUri).sort()).toEqual(domains());
    for (const dom of domains()) expect(virsh(lab!.libvirtUri, ['domstate', dom]).trim()).toBe('shut off');
    const st = uc('-f', 'json', 'lab', 'status', '--dir', labDir);
    expect(JSON.parse(st.stdout).domains).toEqual(Object.fromEntries(domains().map((dom) => [dom, 'shut off'])));
  }, 5 * 60_000);

  it('each node boots from the network first, then its disk, and has one NIC (on the bridge) and no display', () => {
    domains().forEach((dom, i) => {
      const x = inactiveXml(dom);
      expect(x).toMatch(/^<domain type='qemu'/);
      expect(x).toContain(`<memory unit='KiB'>${256 * 1024}</memory>`);
      const ifaces = x.match(/<interface\b[\s\S]*?<\/interface>/g) ?? [];
      expect(ifaces).toHaveLength(1);
      expect(ifaces[0]).toContain("<interface type='bridge'>");
      expect(ifaces[0]).toContain(`<mac address='${macs()[i]}'/>`);
      expect(ifaces[0]).toContain("<source bridge='br-ctlplane'/>");
      expect(ifaces[0]).toContain("<boot order='1'/>");
      const disks = x.match(/<disk\b[\s\S]*?<\/disk>/g) ?? [];
      expect(disks).toHaveLength(1);
      expect(disks[0]).toContain("<boot order='2'/>");
      expect(x).not.toMatch(/<os>[\s\S]*<boot dev=[\s\S]*<\/os>/);
      expect(x).not.toMatch(/<graphics\b|<hostdev\b|<redirdev\b|<channel\b/);
    });
  });

  it('each disk is an empty raw volume of the requested size in the lab pool', () => {
    for (const dom of domains()) {
      const x = inactiveXml(dom);
      expect(x).toContain("<driver name='qemu' type='raw'");
      const file = /<source file='([^']+)'\/>/.exec(x)?.[1] ?? '';
      expect(path.dirname(file)).toBe(path.join(labDir, 'pool'));
      expect(statSync(file).size).toBe(DISK_GIB * 1024 ** 3);
      expect(allZero(file), `${file} is not empty`).toBe(true);
    }
  });

  it('a started node\'s NIC joins br-ctlplane inside the lab namespace, not the root namespace', () => {
    const dom = domains()[0]!;
    virsh(lab!.libvirtUri, ['start', dom]);
    try {
      const line = virsh(lab!.libvirtUri, ['domiflist', dom]).split('\n').find((l) => l.includes(macs()[0]!)) ?? '';
      const [tap, type, source] = line.trim().split(/\s+/);
      expect([type, source]).toEqual(['bridge', 'br-ctlplane']);
      const inNs = spawnSync('ip', ['netns', 'exec', `ucl-${name}`, 'ip', '-o', 'link', 'show', 'master', 'br-ctlplane'], { encoding: 'utf8' });
      expect(inNs.stdout).toContain(`${tap}:`);
      expect(spawnSync('ip', ['link', 'show', 'dev', tap!], { stdio: 'ignore' }).status).not.toBe(0);
    } finally {
      virsh(lab!.libvirtUri, ['destroy', dom]);
    }
  });

  it('writes the instackenv.json the importer accepts; the nodes enroll with libvirt power through the lab libvirtd', async () => {
    const file = lab!.vagrantEnv.UNDERCLOUD_INSTACKENV!;
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Record<string, unknown>[] };
    // The fields and shapes `undercloud lab up` writes for its own nodes.
    expect(doc.nodes).toEqual([0, 1].map((i) => ({
      name: `${name}-${i === 0 ? 'control' : 'compute'}-${i}`, pm_type: 'libvirt', pm_addr: lab!.libvirtUri, pm_system_id: domains()[i], mac: [macs()[i]],
      arch: 'x86_64', cpu: 1, memory: 256, disk: DISK_GIB, capabilities: `profile:${i === 0 ? 'control' : 'compute'},boot_option:local`,
    })));
    d = await startTestDaemon();
    const v = await runCli(OVERCLOUD_BIN, ['node', 'import', '--validate-only', file], d.configFile);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toContain('2 node(s) would be enrolled');
    const r = await runCli(OVERCLOUD_BIN, ['-f', 'json', 'node', 'import', '--timeout', '120', file], d.configFile);
    expect(r.code, r.stderr).toBe(0);
    const nodes = JSON.parse(r.stdout) as { name: string; provision_state: string; power_state: string }[];
    expect(nodes.map((n) => [n.name, n.provision_state, n.power_state])).toEqual([
      [`${name}-control-0`, 'manageable', 'power off'], [`${name}-compute-1`, 'manageable', 'power off'],
    ]);
  }, 3 * 60_000);

  it('vagrant destroy -f removes the domains, their disks and the instackenv.json', () => {
    const r = vagrant('destroy', '-f');
    expect(r.code, r.out).toBe(0);
    expect(listDomains(lab!.libvirtUri)).toEqual([]);
    expect(virsh(lab!.libvirtUri, ['vol-list', 'default']).trim().split('\n').slice(2).filter(Boolean)).toEqual([]);
    expect(existsSync(lab!.vagrantEnv.UNDERCLOUD_INSTACKENV!)).toBe(false);
  }, 5 * 60_000);
});
