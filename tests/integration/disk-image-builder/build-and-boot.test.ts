/**
 * Builds the bundled golden image and deploy ramdisk with `overcloud image build`, boots each under
 * QEMU/TCG (golden: OVMF/UEFI with a config drive, then SeaBIOS/BIOS; ramdisk: direct kernel boot) and
 * asserts from the serial console that the node agent starts. Then registers the products with a real
 * daemon (`overcloud image upload|list|show`). The build cache lives in the system temp folder, so a
 * second run on the same machine is warm; CI starts cold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OVERCLOUD_BIN, runCli, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { bootAndWatch, missingTools } from './qemu.js';

const CACHE = path.join(tmpdir(), 'undercloud-dib-test-cache');
let work: string;
let out: string;
let daemon: TestDaemon | undefined;

interface BuildJson { name: string; seconds: number; cache_hit: boolean; manifest: string; outputs: { file: string; format: string; sha256: string }[] }
let built: BuildJson[] = [];

function configDrive(file: string, meta: Record<string, unknown>): void {
  execFileSync('mkfs.vfat', ['-n', 'config-2', '-C', file, '8192'], { stdio: 'ignore' });
  const dir = path.join(work, 'cd', 'openstack', 'latest');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'meta_data.json'), JSON.stringify(meta));
  execFileSync('mcopy', ['-s', '-i', file, path.join(work, 'cd', 'openstack'), '::/'], { stdio: 'ignore' });
}

beforeAll(async () => {
  const missing = missingTools();
  if (missing.length > 0) throw new Error(`image build tests need: ${missing.join('; ')}`);
  work = mkdtempSync(path.join(tmpdir(), 'dib-it-'));
  out = path.join(work, 'images');
  daemon = await startTestDaemon();
  const r = await runCli(OVERCLOUD_BIN, ['--format', 'json', 'image', 'build', '--output-dir', out, '--cache-dir', CACHE], daemon.configFile);
  if (r.code !== 0) throw new Error(`image build failed (${r.code}):\n${r.stderr.slice(-6000)}`);
  built = JSON.parse(r.stdout) as BuildJson[];
  process.stderr.write(`image build: ${built.map((b) => `${b.name} ${b.seconds.toFixed(0)} s (cache ${b.cache_hit ? 'warm' : 'cold'})`).join(', ')}\n`);
}, 900_000);

afterAll(async () => {
  await daemon?.stop();
  daemon?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('overcloud image build', () => {
  it('writes raw, qcow2, checksums and a manifest for the golden image, kernel and initramfs for the ramdisk', () => {
    const golden = built.find((b) => b.name === 'overcloud-full')!;
    expect(golden.outputs.map((o) => o.format).sort()).toEqual(['qcow2', 'raw']);
    const ramdisk = built.find((b) => b.name === 'deploy-ramdisk')!;
    expect(ramdisk.outputs.map((o) => o.format).sort()).toEqual(['initramfs', 'kernel']);
    for (const o of [...golden.outputs, ...ramdisk.outputs]) {
      expect(readFileSync(path.join(out, `${o.file}.sha256`), 'utf8')).toBe(`${o.sha256}  ${o.file}\n`);
    }
    execFileSync('sha256sum', ['-c', 'overcloud-full.qcow2.sha256'], { cwd: out, stdio: 'ignore' });
    const manifest = JSON.parse(readFileSync(golden.manifest, 'utf8')) as { elements: string[]; packages: { name: string; version: string }[]; builtAt: string; layout: { rootLabel: string } };
    expect(manifest.elements).toEqual(expect.arrayContaining(['debian', 'kernel', 'bootloader', 'config-drive', 'ssh', 'undercloud-agent', 'overcloud-base']));
    expect(manifest.packages.find((p) => p.name === 'nodejs')?.version).toMatch(/^18\./);
    expect(manifest.packages.find((p) => p.name === 'linux-image-cloud-amd64')).toBeDefined();
    expect(manifest.layout.rootLabel).toBe('cloudimg-rootfs');
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path.join(out, 'overcloud-full.qcow2')], { encoding: 'utf8' })) as { format: string };
    expect(info.format).toBe('qcow2');
    const table = execFileSync('sfdisk', ['--json', path.join(out, 'overcloud-full.raw')], { encoding: 'utf8' });
    const parts = (JSON.parse(table) as { partitiontable: { label: string; partitions: { type: string }[] } }).partitiontable;
    expect(parts.label).toBe('gpt');
    expect(parts.partitions.map((p) => p.type)).toEqual(['C12A7328-F81F-11D2-BA4B-00A0C93EC93B', '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709']);
  });

  it('fails an offline build with an empty cache and names what is missing', async () => {
    const r = await runCli(OVERCLOUD_BIN, ['image', 'build', '--offline', '--image', 'overcloud-full', '--output-dir', path.join(work, 'offline'), '--cache-dir', path.join(work, 'empty-cache')], daemon!.configFile);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/offline build impossible, not in the cache: base root filesystem for bookworm/);
    expect(r.stderr).toMatch(/linux-image-cloud-amd64/);
  });
});

describe('booting the images under QEMU (TCG)', () => {
  it('the golden image boots under UEFI (OVMF), applies the config drive and starts the node agent', async () => {
    const cd = path.join(work, 'config-drive.img');
    configDrive(cd, { uuid: 'f3b5c7a2-0000-4000-8000-000000000001', hostname: 'node-uefi.example', public_keys: { k: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1mZXRlc3RrZXkAAAAAAAAAAAAAAAAAAAAAAAAAAAAA test' }, meta: { undercloud_agent_token: 'tok-123', undercloud_agent_endpoint: '192.168.24.1:8443' } });
    const r = await bootAndWatch({
      firmware: 'uefi', workDir: work, timeoutMs: 420_000,
      disks: [{ file: path.join(out, 'overcloud-full.raw'), format: 'raw' }, { file: cd, format: 'raw' }],
      expect: [/undercloud-firstboot: hostname node-uefi/, /undercloud-firstboot: agent enrollment token installed/, /undercloud-agent starting \(mode=node/],
    });
    process.stderr.write(`UEFI boot to agent start: ${r.seconds.toFixed(0)} s\n`);
  }, 450_000);

  it('the golden image (qcow2) boots under BIOS (SeaBIOS), grows its root to fill a bigger disk and starts the node agent', async () => {
    // A 3 GiB disk backed by the image: first boot must grow the root partition and filesystem into it.
    const disk = path.join(work, 'bios-node.qcow2');
    execFileSync('qemu-img', ['create', '-f', 'qcow2', '-F', 'qcow2', '-b', path.join(out, 'overcloud-full.qcow2'), disk, '3G'], { stdio: 'ignore' });
    const r = await bootAndWatch({
      firmware: 'bios', workDir: work, timeoutMs: 420_000,
      disks: [{ file: disk, format: 'qcow2' }],
      expect: [/undercloud-firstboot: no config drive/, /undercloud-firstboot: root filesystem grown on \/dev\/vda2 to \d+ MiB/, /undercloud-agent starting \(mode=node/],
    });
    const grownMiB = Number(/grown on \/dev\/vda2 to (\d+) MiB/.exec(r.console)![1]);
    expect(grownMiB).toBeGreaterThan(2900);
    process.stderr.write(`BIOS boot to agent start: ${r.seconds.toFixed(0)} s\n`);
  }, 450_000);

  it('the deploy ramdisk boots, loads virtio, sees the disk and starts the agent in ramdisk mode', async () => {
    const disk = path.join(work, 'target.qcow2');
    execFileSync('qemu-img', ['create', '-f', 'qcow2', disk, '1G'], { stdio: 'ignore' });
    const r = await bootAndWatch({
      firmware: 'bios', workDir: work, timeoutMs: 420_000, memoryMiB: 1536,
      kernel: path.join(out, 'deploy-ramdisk.kernel'), initrd: path.join(out, 'deploy-ramdisk.initramfs'),
      append: 'console=ttyS0 undercloud.agent_token=tok-456 undercloud.agent_endpoint=192.168.24.1:8443',
      disks: [{ file: disk, format: 'qcow2' }],
      expect: [/undercloud-ramdisk: disks: .*vda/, /undercloud-agent starting \(mode=ramdisk/],
    });
    expect(r.console).toMatch(/undercloud-ramdisk: \S+ 10\.0\.2\.\d+/);
    process.stderr.write(`ramdisk boot to agent start: ${r.seconds.toFixed(0)} s\n`);
  }, 450_000);
});

describe('overcloud image upload|list|show', () => {
  it('registers the build products with the daemon and shows them', async () => {
    const up = await runCli(OVERCLOUD_BIN, ['--format', 'json', 'image', 'upload', '--image-path', out], daemon!.configFile);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const again = await runCli(OVERCLOUD_BIN, ['image', 'upload', '--image-path', out, '--image', 'deploy-ramdisk'], daemon!.configFile);
    expect(again.code).toBe(6);
    expect(again.stderr).toMatch(/already exists/);
    const list = JSON.parse((await runCli(OVERCLOUD_BIN, ['--format', 'json', 'image', 'list'], daemon!.configFile)).stdout) as { name: string; type: string; files: { format: string; path: string }[] }[];
    expect(list.map((i) => [i.name, i.type])).toEqual([['deploy-ramdisk', 'ramdisk'], ['overcloud-full', 'disk']]);
    for (const i of list) for (const f of i.files) expect(existsSync(f.path)).toBe(true);
    const show = await runCli(OVERCLOUD_BIN, ['image', 'show', 'overcloud-full'], daemon!.configFile);
    expect(show.stdout).toMatch(/elements\s+debian/);
    expect(show.stdout).toMatch(/file\.qcow2/);
    const missing = await runCli(OVERCLOUD_BIN, ['image', 'show', 'nope'], daemon!.configFile);
    expect(missing.code).toBe(5);
  });
});
