/**
 * Boots an image under QEMU with TCG (KVM does not work nested here) and watches the serial console.
 * Networking is QEMU's user mode with restrict=on: the guest gets DHCP from QEMU and reaches nothing.
 * With UNDERCLOUD_TEST_CONSOLE_DIR set, each boot's whole console is kept there as `<name>.console.log`.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface BootOptions {
  firmware: 'uefi' | 'bios';
  disks?: { file: string; format: 'raw' | 'qcow2' }[];
  kernel?: string;
  initrd?: string;
  append?: string;
  memoryMiB?: number;
  /** Resolve once every pattern has appeared on the console. */
  expect: RegExp[];
  timeoutMs: number;
  workDir: string;
  /** Names the console log kept in UNDERCLOUD_TEST_CONSOLE_DIR. */
  name?: string;
}

export interface BootResult {
  console: string;
  seconds: number;
}

export function bootAndWatch(o: BootOptions): Promise<BootResult> {
  const args = ['-accel', 'tcg', '-machine', 'q35', '-m', String(o.memoryMiB ?? 1024), '-smp', '2', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot',
    '-nic', 'user,model=virtio-net-pci,restrict=on'];
  if (o.firmware === 'uefi') {
    const vars = `${o.workDir}/OVMF_VARS.fd`;
    copyFileSync(OVMF_VARS, vars);
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`);
  }
  for (const d of o.disks ?? []) args.push('-drive', `if=virtio,format=${d.format},file=${d.file},snapshot=on`);
  if (o.kernel) args.push('-kernel', o.kernel);
  if (o.initrd) args.push('-initrd', o.initrd);
  if (o.append) args.push('-append', o.append);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      const keep = process.env.UNDERCLOUD_TEST_CONSOLE_DIR;
      if (keep) {
        mkdirSync(keep, { recursive: true });
        writeFileSync(path.join(keep, `${o.name ?? o.firmware}.console.log`), out);
      }
      if (err) reject(err);
      else resolve({ console: out, seconds: (Date.now() - started) / 1000 });
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${o.timeoutMs / 1000} s waiting for ${o.expect.filter((r) => !r.test(out)).join(', ')}; console tail:\n${out.slice(-4000)}`)), o.timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString('latin1');
      if (o.expect.every((r) => r.test(out))) finish();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => finish(e));
    child.on('exit', (code) => finish(new Error(`qemu exited (${code}) before ${o.expect.filter((r) => !r.test(out)).join(', ')}; console tail:\n${out.slice(-4000)}`)));
  });
}

/** Host tools the build and boots need, each with the Debian package that provides it. */
export const REQUIRED_TOOLS: [string, string][] = [
  ['/usr/bin/mmdebstrap', 'mmdebstrap'], ['/usr/bin/qemu-system-x86_64', 'qemu-system-x86'], ['/usr/bin/qemu-img', 'qemu-utils'],
  ['/usr/bin/syslinux', 'syslinux'], ['/usr/lib/syslinux/mbr/gptmbr.bin', 'syslinux-common'], ['/usr/sbin/mkfs.vfat', 'dosfstools'],
  ['/usr/bin/mcopy', 'mtools'], ['/usr/sbin/mkfs.ext4', 'e2fsprogs'], ['/usr/sbin/sfdisk', 'fdisk'], ['/usr/bin/cpio', 'cpio'], ['/usr/bin/zstd', 'zstd'],
  [OVMF_CODE, 'ovmf'], ['/usr/share/seabios/bios-256k.bin', 'seabios'], ['/usr/bin/openssl', 'openssl'],
];

export function missingTools(): string[] {
  return REQUIRED_TOOLS.filter(([f]) => !existsSync(f)).map(([f, pkg]) => `${f} (install the Debian package ${pkg})`);
}
