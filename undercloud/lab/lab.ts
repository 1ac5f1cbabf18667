/**
 * The VM lab for machines without a provisioning network (what `undercloud lab up|down|status` and the lab
 * tests use): a network namespace with the provisioning bridge, a private libvirtd inside it, and N
 * network-booting TCG nodes with empty disks, plus the instackenv.json that enrolls them (libvirt power
 * through that libvirtd) and the undercloud.conf settings that put the undercloud's provisioning side in
 * the namespace. Its state is lab.json in the lab folder, so `down` undoes exactly what `up` did.
 *
 * With no nodes (`lab up --no-nodes`) the nodes come from vagrant/Vagrantfile instead (vagrant-libvirt
 * against the lab libvirtd): `labVagrantEnv` gives the settings that make them match the lab's own (names,
 * MACs, bridge, console logs, instackenv.json path), and the lab libvirtd has a directory storage pool
 * "default" (in <dir>/pool) for their disks. `down` removes every domain of the lab libvirtd, so a
 * vagrant node never outlives the namespace its tap device is in.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createNetwork, deleteNetwork, ensureDirPool, LabHostError, listDomains, startLibvirtd, stopLibvirtd, virsh, virshReachable, libvirtdPaths } from './host.js';
import { labDomainXml, labMac } from './domain-xml.js';
import { setIniValues } from '../install/ini-edit.js';
import { closedParent } from '../pxe/dnsmasq.js';

export interface LabOptions {
  name: string;
  dir: string;
  /** 0: no nodes (vagrant/Vagrantfile creates them; see labVagrantEnv). */
  nodes: number;
  /** Capability profile per node (cycled): control, compute, ... */
  profiles: readonly string[];
  memoryMiB: number;
  vcpus: number;
  diskGiB: number;
  /** The undercloud's address on the provisioning bridge. */
  localCidr: string;
  bridge: string;
}

export interface LabNode { name: string; domain: string; mac: string; disk: string; consoleLog: string; profile: string }

export interface LabState {
  name: string;
  dir: string;
  netns: string;
  bridge: string;
  localIp: string;
  localCidr: string;
  libvirtUri: string;
  nodes: LabNode[];
  /** Where the nodes' instackenv.json is (with no nodes: where vagrant/Vagrantfile should write it). */
  instackenv: string;
  undercloudConf: string;
  /** The lab libvirtd's storage pool for vagrant-libvirt's disks (absent in labs made before it existed). */
  storagePool?: string;
}

/** The name of the lab libvirtd's directory pool: vagrant-libvirt's default storage_pool_name. */
export const LAB_STORAGE_POOL = 'default';

export const LAB_DEFAULTS: Omit<LabOptions, 'name' | 'dir'> = {
  nodes: 2, profiles: ['control', 'compute'], memoryMiB: 1536, vcpus: 1, diskGiB: 8, localCidr: '192.168.24.1/24', bridge: 'br-ctlplane',
};

const stateFile = (dir: string) => path.join(dir, 'lab.json');

export function readLab(dir: string): LabState | undefined {
  return existsSync(stateFile(dir)) ? (JSON.parse(readFileSync(stateFile(dir), 'utf8')) as LabState) : undefined;
}

function labByte(name: string): number {
  let h = 7;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) & 0xff;
  return h;
}

/** The undercloud.conf settings for a daemon serving this lab, by section. */
export function labSettings(s: Pick<LabState, 'netns' | 'bridge' | 'localIp' | 'localCidr'>): Record<string, Record<string, string>> {
  return {
    DEFAULT: { local_ip: s.localCidr, local_interface: s.bridge, network_namespace: s.netns, agent_listen: `${s.localIp}:8444` },
    pxe: { dnsmasq: 'true', http: 'true', http_listen: `${s.localIp}:8088` },
    orchestration: { server_driver: 'baremetal', agent_driver: 'hub' },
  };
}

/** Writes the lab's settings into an existing undercloud.conf (other keys and comments are kept). */
export function configureUndercloud(file: string, s: LabState): string[] {
  let text = readFileSync(file, 'utf8');
  const changed: string[] = [];
  for (const [section, values] of Object.entries(labSettings(s))) {
    const r = setIniValues(text, section, values);
    text = r.text;
    changed.push(...r.changed.map((k) => `${section}.${k}`));
  }
  if (changed.length > 0) writeFileSync(file, text);
  return changed;
}

/** The undercloud.conf settings for a daemon serving this lab. */
export function labUndercloudConf(s: Pick<LabState, 'netns' | 'bridge' | 'localIp' | 'localCidr'>): string {
  return [
    '# undercloud lab: the provisioning side runs in the lab\'s network namespace',
    '[DEFAULT]',
    `local_ip = ${s.localCidr}`,
    `local_interface = ${s.bridge}`,
    `network_namespace = ${s.netns}`,
    `agent_listen = ${s.localIp}:8444`,
    '',
    '[pxe]',
    'dnsmasq = true',
    'http = true',
    `http_listen = ${s.localIp}:8088`,
    '',
  ].join('\n');
}

export async function labUp(o: LabOptions, say: (m: string) => void = () => undefined): Promise<LabState> {
  if (!/^[a-z0-9][a-z0-9-]{0,14}$/.test(o.name)) throw new LabHostError(`lab name "${o.name}" must be 1-15 lower-case letters, digits or dashes`);
  mkdirSync(o.dir, { recursive: true, mode: 0o755 });
  const closed = closedParent(o.dir);
  if (closed) throw new LabHostError(`${closed} is not searchable by others; QEMU (libvirt-qemu) and dnsmasq (nobody) need to reach the lab's files: chmod o+x ${closed} or choose another --dir`);
  const netns = `ucl-${o.name}`;
  const localIp = o.localCidr.split('/')[0]!;
  say(`network namespace ${netns} with bridge ${o.bridge} (${o.localCidr})`);
  createNetwork(netns, o.bridge, o.localCidr);
  say('starting the lab libvirtd (TCG, private sockets and definitions)');
  const lv = await startLibvirtd(netns, o.dir);
  ensureDirPool(lv.uri, LAB_STORAGE_POOL, path.join(o.dir, 'pool'));
  const defined = new Set(listDomains(lv.uri));
  const nodes: LabNode[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const profile = o.profiles[i % o.profiles.length] ?? 'compute';
    const domain = `${o.name}-node-${i}`;
    const node: LabNode = { name: `${o.name}-${profile}-${i}`, domain, mac: labMac(labByte(o.name), i), disk: path.join(o.dir, `${domain}.img`), consoleLog: path.join(o.dir, `${domain}.console.log`), profile };
    if (!existsSync(node.disk)) {
      const fd = openSync(node.disk, 'w');
      ftruncateSync(fd, o.diskGiB * 1024 ** 3);
      closeSync(fd);
    }
    if (!defined.has(domain)) {
      const xml = path.join(o.dir, `${domain}.xml`);
      writeFileSync(xml, labDomainXml({ name: domain, mac: node.mac, memoryMiB: o.memoryMiB, vcpus: o.vcpus, disk: node.disk, bridge: o.bridge, consoleLog: node.consoleLog }));
      virsh(lv.uri, ['define', xml]);
    }
    nodes.push(node);
    say(`node ${node.name}: domain ${domain}, MAC ${node.mac}, ${o.diskGiB} GiB disk, console ${node.consoleLog}`);
  }
  const instackenv = path.join(o.dir, 'instackenv.json');
  if (nodes.length > 0) writeFileSync(instackenv, JSON.stringify({
    nodes: nodes.map((n) => ({
      name: n.name, pm_type: 'libvirt', pm_addr: lv.uri, pm_system_id: n.domain, mac: [n.mac], arch: 'x86_64',
      cpu: o.vcpus, memory: o.memoryMiB, disk: o.diskGiB, capabilities: `profile:${n.profile},boot_option:local`,
    })),
  }, null, 2) + '\n');
  const state: LabState = {
    name: o.name, dir: o.dir, netns, bridge: o.bridge, localIp, localCidr: o.localCidr, libvirtUri: lv.uri, nodes, instackenv,
    undercloudConf: path.join(o.dir, 'undercloud-lab.conf'), storagePool: LAB_STORAGE_POOL,
  };
  writeFileSync(state.undercloudConf, labUndercloudConf(state));
  writeFileSync(stateFile(o.dir), JSON.stringify(state, null, 2) + '\n');
  if (nodes.length > 0) say(`instackenv: ${instackenv}`);
  else say(`no nodes: create them with vagrant/Vagrantfile (vagrant/README.md); it writes ${instackenv}`);
  say(`undercloud.conf settings: ${state.undercloudConf}`);
  return state;
}

/**
 * The settings vagrant/Vagrantfile reads to create nodes for this lab (`lab up --no-nodes`): the lab
 * libvirtd, its bridge and storage pool, the names and MACs the lab would give its own nodes, console logs
 * and instackenv.json in the lab folder. Pure.
 */
export function labVagrantEnv(s: Pick<LabState, 'name' | 'dir' | 'bridge' | 'libvirtUri' | 'instackenv' | 'storagePool'>): Record<string, string> {
  return {
    UNDERCLOUD_LIBVIRT_URI: s.libvirtUri,
    UNDERCLOUD_LAB_NAME: s.name,
    UNDERCLOUD_BRIDGE: s.bridge,
    UNDERCLOUD_MAC_PREFIX: labMac(labByte(s.name), 0).split(':').slice(0, 4).join(':'),
    UNDERCLOUD_STORAGE_POOL: s.storagePool ?? LAB_STORAGE_POOL,
    UNDERCLOUD_CONSOLE_DIR: s.dir,
    UNDERCLOUD_INSTACKENV: s.instackenv,
  };
}

const shellQuote = (v: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);

/** The shell command that creates this lab's nodes with vagrant/Vagrantfile (in vagrantDir, or run in vagrant/). */
export function labVagrantCommand(s: Parameters<typeof labVagrantEnv>[0], vagrantDir?: string): string {
  const env = { ...(vagrantDir ? { VAGRANT_CWD: vagrantDir } : {}), ...labVagrantEnv(s) };
  return [...Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`), 'vagrant', 'up', '--provider', 'libvirt'].join(' ');
}

/**
 * Stops and removes the lab's domains (every domain of the lab libvirtd: its own nodes, keeping their disks,
 * and vagrant's, with their storage volumes), libvirtd and namespace; with purge, its folder (disks) too.
 */
export function labDown(dir: string, purge: boolean, say: (m: string) => void = () => undefined): void {
  const s = readLab(dir);
  if (!s) throw new LabHostError(`no lab in ${dir} (no lab.json)`);
  const uri = libvirtdPaths(dir).uri;
  if (virshReachable(uri)) {
    const own = new Map(s.nodes.map((n) => [n.domain, n]));
    for (const domain of listDomains(uri)) {
      const n = own.get(domain);
      spawnSync('virsh', ['-c', uri, 'destroy', domain], { stdio: 'ignore' });
      spawnSync('virsh', ['-c', uri, 'undefine', domain, ...(n ? [] : ['--remove-all-storage'])], { stdio: 'ignore' });
      say(n ? `node ${n.name} removed` : `domain ${domain} removed with its storage volumes (not made by the lab: vagrant's?)`);
    }
  }
  stopLibvirtd(dir);
  deleteNetwork(s.netns);
  say(`network namespace ${s.netns} deleted`);
  if (purge) rmSync(dir, { recursive: true, force: true });
}

export function labStatus(dir: string): { state: LabState; domains: Record<string, string>; libvirtd: boolean } | undefined {
  const s = readLab(dir);
  if (!s) return undefined;
  const uri = libvirtdPaths(dir).uri;
  const up = virshReachable(uri);
  const state = (domain: string) => (up ? (spawnSync('virsh', ['-c', uri, 'domstate', domain], { encoding: 'utf8' }).stdout || '').trim() || 'unknown' : 'libvirtd down');
  // The lab's own nodes by node name, then any other domain (vagrant's) by domain name.
  const domains: Record<string, string> = {};
  for (const n of s.nodes) domains[n.name] = state(n.domain);
  const own = new Set(s.nodes.map((n) => n.domain));
  if (up) for (const d of listDomains(uri)) if (!own.has(d)) domains[d] = state(d);
  return { state: s, domains, libvirtd: up };
}
