/**
 * libvirt for driver tests: uses a running libvirtd when there is one, otherwise starts virtlogd and
 * libvirtd itself (no systemd here) and stops exactly those processes afterwards. Defines tiny TCG domains
 * (64 MB, no disk, no network) that are enough for power and boot-device tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { requireTools } from '../../helpers/tools.js';

export const URI = 'qemu:///system';

// 120 s: the first call after libvirtd starts probes QEMU's capabilities, slow under TCG on a busy machine.
function virsh(args: string[]): string {
  return execFileSync('virsh', ['-c', URI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

// The first answer of a fresh libvirtd waits for its QEMU capability probe (13 s idle, more under load).
function reachable(timeout = 90_000): boolean {
  return spawnSync('virsh', ['-c', URI, 'version'], { stdio: 'ignore', timeout }).status === 0;
}

/**
 * On these machines /dev/kvm exists but KVM does not work. libvirtd then finds KVM "usable" (the device is
 * accessible) while its probed QEMU capabilities have no KVM, declares its capability cache stale and probes
 * QEMU again on every call: 4 s per `virsh version`, 30 s per `virsh define`. Our domains are TCG
 * (`type='qemu'`), so the libvirtd we start runs in a mount namespace of its own where /dev/kvm is an
 * inaccessible file, and its qemu.conf sets `namespaces = [ ]` (libvirt would otherwise try to move that
 * /dev/kvm mount into each domain's private /dev, and fail). Calls then take milliseconds. The host's
 * /dev/kvm and /etc/libvirt/qemu.conf are untouched.
 */
function startCommand(bin: 'virtlogd' | 'libvirtd'): { command: string; scratch?: string } {
  if (bin !== 'libvirtd' || !existsSync('/dev/kvm')) return { command: `${bin} -d` };
  const dir = mkdtempSync(path.join(tmpdir(), 'uc-nokvm-'));
  const blocker = path.join(dir, 'kvm');
  writeFileSync(blocker, '');
  chmodSync(blocker, 0o000);
  const qemuConf = path.join(dir, 'qemu.conf');
  const base = existsSync('/etc/libvirt/qemu.conf') ? readFileSync('/etc/libvirt/qemu.conf', 'utf8') : '';
  writeFileSync(qemuConf, `${base}\nnamespaces = [ ]\n`);
  const binds = [`mount --bind ${blocker} /dev/kvm`, ...(base ? [`mount --bind ${qemuConf} /etc/libvirt/qemu.conf`] : [])];
  // The directory can go once libvirtd answers: it has read qemu.conf, and the bind mounts hold the files.
  return { command: `unshare --mount --propagation private sh -c '${binds.join(' && ')} && exec libvirtd -d'`, scratch: dir };
}

export interface LibvirtLab {
  domains: string[];
  define(count: number): string[];
  state(domain: string): string;
  xml(domain: string): string;
  teardown(): void;
}

export async function startLibvirt(): Promise<LibvirtLab> {
  requireTools([['virsh', 'libvirt-clients'], ['libvirtd', 'libvirt-daemon-system'], ['qemu-system-x86_64', 'qemu-system-x86']]);
  const started: number[] = [];
  if (!reachable(5_000)) {
    const scratch: string[] = [];
    for (const [bin, pidFile] of [['virtlogd', '/run/virtlogd.pid'], ['libvirtd', '/run/libvirtd.pid']] as const) {
      const start = startCommand(bin);
      if (start.scratch) scratch.push(start.scratch);
      if (spawnSync('sh', ['-c', start.command], { stdio: 'ignore' }).status !== 0) throw new Error(`cannot start ${bin} -d`);
      for (let i = 0; i < 50 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
      if (existsSync(pidFile)) started.push(Number(readFileSync(pidFile, 'utf8').trim()));
    }
    for (let i = 0; i < 3 && !reachable(); i++) await new Promise((r) => setTimeout(r, 500));
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
    if (!reachable()) throw new Error('libvirtd started but qemu:///system does not answer');
  }
  const prefix = `uc-bmtest-${randomBytes(3).toString('hex')}`;
  const domains: string[] = [];
  const tmp = mkdtempSync(path.join(tmpdir(), 'uc-bmtest-'));
  return {
    domains,
    define(count) {
      const names: string[] = [];
      for (let i = 0; i < count; i++) {
        const name = `${prefix}-${domains.length}`;
        const file = path.join(tmp, `${name}.xml`);
        writeFileSync(file, `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <on_reboot>restart</on_reboot>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>`);
        virsh(['define', file]);
        domains.push(name);
        names.push(name);
      }
      return names;
    },
    state: (d) => virsh(['domstate', d]).trim(),
    xml: (d) => virsh(['dumpxml', '--inactive', d]),
    teardown() {
      for (const d of domains) {
        spawnSync('virsh', ['-c', URI, 'destroy', d], { stdio: 'ignore' });
        spawnSync('virsh', ['-c', URI, 'undefine', d], { stdio: 'ignore' });
      }
      rmSync(tmp, { recursive: true, force: true });
      // Stop only what this test started, newest first.
      for (const pid of started.reverse()) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    },
  };
}
