/**
 * The lab's host side, all inside a network namespace the lab creates (nothing on the root namespace gets
 * an address, nothing is routed or NATed out): the provisioning bridge with the undercloud's local_ip, and a
 * private libvirtd whose QEMU guests' tap devices join that bridge.
 *
 * The libvirtd runs in the namespace and in a mount namespace of its own where:
 * - /run/libvirt, /etc/libvirt/qemu, /etc/libvirt/storage and /var/lib/libvirt/qemu are the lab's own
 *   folders, so it never meets a libvirtd of the host (sockets, domain definitions, networks, storage pools)
 *   and `lab down` leaves nothing behind;
 * - /dev/kvm is covered: on these machines KVM exists but does not work, and a libvirtd that can open it
 *   re-probes QEMU on every call (30 s per define); the guests are TCG anyway;
 * - qemu.conf is a copy with `namespaces = [ ]` (no per-domain /dev) and no security driver; QEMU runs as
 *   libvirt-qemu (libvirt hands it the lab's disks and console files), so the lab folder's parents must be
 *   traversable by others.
 * Clients reach it with qemu+unix:///system?socket=<lab>/run/libvirt/libvirt-sock.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class LabHostError extends Error {}

function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new LabHostError(`${cmd} is missing (${what})`);
  if (r.status !== 0) throw new LabHostError(`${what} failed: ${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout || '').trim()}`);
  return r.stdout;
}

export function netnsExists(ns: string): boolean {
  return existsSync(`/run/netns/${ns}`);
}

/** Creates the namespace with lo up and the bridge holding `cidr` (idempotent). */
export function createNetwork(ns: string, bridge: string, cidr: string): void {
  if (!netnsExists(ns)) run('ip', ['netns', 'add', ns], 'creating the lab network namespace');
  const inNs = (args: string[], what: string) => run('ip', ['netns', 'exec', ns, ...args], what);
  inNs(['ip', 'link', 'set', 'lo', 'up'], 'bringing lo up');
  const links = inNs(['ip', '-o', 'link', 'show'], 'listing links');
  if (!links.includes(` ${bridge}:`)) inNs(['ip', 'link', 'add', bridge, 'type', 'bridge'], 'creating the provisioning bridge');
  const addrs = inNs(['ip', '-o', 'addr', 'show', 'dev', bridge], 'reading the bridge address');
  if (!addrs.includes(` ${cidr} `)) inNs(['ip', 'addr', 'add', cidr, 'dev', bridge], 'addressing the provisioning bridge');
  inNs(['ip', 'link', 'set', bridge, 'up'], 'bringing the bridge up');
}

export function deleteNetwork(ns: string): void {
  if (netnsExists(ns)) spawnSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
}

export interface LibvirtdPaths {
  dir: string;
  runDir: string;
  socket: string;
  uri: string;
  libvirtdPid: string;
  virtlogdPid: string;
}

export function libvirtdPaths(labDir: string): LibvirtdPaths {
  const dir = path.join(labDir, 'libvirt');
  const runDir = path.join(dir, 'run');
  const socket = path.join(runDir, 'libvirt-sock');
  return { dir, runDir, socket, uri: `qemu+unix:///system?socket=${socket}`, libvirtdPid: path.join(dir, 'libvirtd.pid'), virtlogdPid: path.join(dir, 'virtlogd.pid') };
}

function alive(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    if (pid > 0) process.kill(pid, 0);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function virshReachable(uri: string, timeoutMs = 5000): boolean {
  return spawnSync('virsh', ['-c', uri, 'version'], { stdio: 'ignore', timeout: timeoutMs }).status === 0;
}

/** Starts the lab's private libvirtd (and virtlogd) inside the namespace; idempotent. */
export async function startLibvirtd(ns: string, labDir: string): Promise<LibvirtdPaths> {
  const p = libvirtdPaths(labDir);
  if (alive(p.libvirtdPid) && virshReachable(p.uri)) return p;
  for (const tool of ['libvirtd', 'virtlogd', 'virsh', 'qemu-system-x86_64', 'unshare']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) throw new LabHostError(`${tool} is missing: apt-get install libvirt-daemon-system libvirt-clients qemu-system-x86 util-linux`);
  }
  const etcQemu = path.join(p.dir, 'etc-qemu');
  const varQemu = path.join(p.dir, 'var-qemu');
  const etcStorage = path.join(p.dir, 'etc-storage');
  for (const d of [p.runDir, etcQemu, varQemu, etcStorage, '/run/libvirt', '/etc/libvirt/qemu', '/etc/libvirt/storage', '/var/lib/libvirt/qemu']) mkdirSync(d, { recursive: true });
  const base = existsSync('/etc/libvirt/qemu.conf') ? readFileSync('/etc/libvirt/qemu.conf', 'utf8') : '';
  const qemuConf = path.join(p.dir, 'qemu.conf');
  // QEMU keeps running as libvirt-qemu: as root, libvirt would find the blocked /dev/kvm "usable" (root may
  // open anything) and re-probe QEMU on every call. Lab folders must therefore be traversable by others.
  writeFileSync(qemuConf, `${base}\n# undercloud lab\nnamespaces = [ ]\nsecurity_driver = "none"\n`);
  if (!existsSync('/etc/libvirt/qemu.conf')) writeFileSync('/etc/libvirt/qemu.conf', '');
  const blocker = path.join(p.dir, 'no-kvm');
  writeFileSync(blocker, '');
  chmodSync(blocker, 0o000);
  const binds = [
    ...(existsSync('/dev/kvm') ? [`mount --bind ${blocker} /dev/kvm`] : []),
    `mount --bind ${qemuConf} /etc/libvirt/qemu.conf`,
    `mount --bind ${p.runDir} /run/libvirt`,
    `mount --bind ${etcQemu} /etc/libvirt/qemu`,
    `mount --bind ${etcStorage} /etc/libvirt/storage`,
    `mount --bind ${varQemu} /var/lib/libvirt/qemu`,
    `virtlogd -d -p ${p.virtlogdPid}`,
    `exec libvirtd -d -p ${p.libvirtdPid}`,
  ];
  run('ip', ['netns', 'exec', ns, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', binds.join(' && ')], 'starting the lab libvirtd');
  // Its first answer waits for a QEMU capability probe (seconds under TCG, more on a busy machine).
  const deadline = Date.now() + 120_000;
  while (!virshReachable(p.uri, 30_000)) {
    if (Date.now() > deadline) throw new LabHostError(`the lab libvirtd does not answer on ${p.uri}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return p;
}

export function stopLibvirtd(labDir: string): void {
  const p = libvirtdPaths(labDir);
  for (const f of [p.libvirtdPid, p.virtlogdPid]) {
    const pid = alive(f);
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
  }
}

export function virsh(uri: string, args: string[]): string {
  return execFileSync('virsh', ['-c', uri, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/**
 * A directory storage pool in the lab libvirtd (idempotent): where vagrant-libvirt creates its nodes' disks
 * (it needs a pool; the lab's own nodes use plain files). Defined, built, started and set to autostart.
 */
export function ensureDirPool(uri: string, name: string, dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const info = spawnSync('virsh', ['-c', uri, 'pool-info', name], { encoding: 'utf8', timeout: 120_000 });
  if (info.status !== 0) {
    virsh(uri, ['pool-define-as', name, 'dir', '--target', dir]);
    virsh(uri, ['pool-build', name]);
    virsh(uri, ['pool-autostart', name]);
  }
  if (!/^State:\s+running/m.test(virsh(uri, ['pool-info', name]))) virsh(uri, ['pool-start', name]);
}

/** Names of every domain (running or not) the lab libvirtd knows. */
export function listDomains(uri: string): string[] {
  return virsh(uri, ['list', '--all', '--name']).split('\n').map((l) => l.trim()).filter(Boolean);
}
