/**
 * Builds a golden image (overcloud-full's outputs with the lab image's elements, see the fixture) and the
 * deploy ramdisk with `overcloud image build` (with the real node agent bundle,
 * dist/agent/undercloud-agent.cjs), boots each under QEMU/TCG and asserts from the serial
 * console that first boot and the real agent did their part:
 * - golden, UEFI (OVMF): a 3 GiB disk backed by the raw image (so its backup GPT is not at the disk's
 *   end) and the config drive as a second disk: hostname, token, CA, root grown to the disk's end, the
 *   agent started in node mode from the agent.conf first boot wrote;
 * - golden, BIOS (SeaBIOS): the qcow2 image written to a 3 GiB disk as the deploy does it, with the config
 *   drive as a GPT partition at the disk's end: the root grows up to that partition, not over it;
 * - the ramdisk by direct kernel boot with undercloud.server/node/token on the kernel command line and the
 *   CA appended as a second cpio archive (etc/undercloud-agent/ca.crt): the agent starts in ramdisk mode.
 * The daemon address is 127.0.0.1:9 (nothing listens): the agents start, fail to connect and retry, which
 * is all these boots check. Then registers the products with a real daemon (`overcloud image
 * upload|list|show`). The build cache lives in the system temp folder, so a second run on the same
 * machine is warm; CI starts cold, and its e2e test (after this one) finds both images' bases here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OVERCLOUD_BIN, ROOT, runCli, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { bootAndWatch, missingTools } from './qemu.js';

const CACHE = path.join(tmpdir(), 'undercloud-dib-test-cache');
// The bundled definitions with the lab image's elements in overcloud-full (see the fixture's comment).
const DEFINITIONS = path.join(ROOT, 'tests', 'fixtures', 'disk-image-builder', 'overcloud-images.yaml');
let work: string;
let out: string;
let daemon: TestDaemon | undefined;

interface BuildJson { name: string; seconds: number; cache_hit: boolean; manifest: string; outputs: { file: string; format: string; sha256: string }[] }
let built: BuildJson[] = [];
let caPem: string;
const AGENT_BUNDLE = path.join(ROOT, 'dist', 'agent', 'undercloud-agent.cjs');
const MiB = 1024 * 1024;
const GOLDEN_DISK_MiB = 3072;
const CONFIG_DRIVE_MiB = 64;

/** A vfat config drive (label config-2) of `sizeMiB` with openstack/latest/meta_data.json. */
function configDrive(file: string, meta: Record<string, unknown>, sizeMiB = 8): void {
  rmSync(file, { force: true });
  execFileSync('mkfs.vfat', ['-n', 'config-2', '-C', file, String(sizeMiB * 1024)], { stdio: 'ignore' });
  const dir = mkdtempSync(path.join(work, 'cd-'));
  mkdirSync(path.join(dir, 'openstack', 'latest'), { recursive: true });
  writeFileSync(path.join(dir, 'openstack', 'latest', 'meta_data.json'), JSON.stringify(meta));
  execFileSync('mcopy', ['-s', '-i', file, path.join(dir, 'openstack'), '::/'], { stdio: 'ignore' });
}

function nodeMeta(uuid: string, hostname: string, token: string): Record<string, unknown> {
  return {
    uuid, hostname,
    public_keys: { k: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1mZXRlc3RrZXkAAAAAAAAAAAAAAAAAAAAAAAAAAAAA test' },
    meta: { undercloud_agent_endpoint: '127.0.0.1:9', undercloud_agent_token: token, undercloud_ca_pem: caPem },
  };
}

/**
 * What the deploy does to a node's disk: the image written at its start, the backup GPT moved to the
 * disk's end, and the config drive as a last GPT partition (named config-2) in the disk's final MiBs,
 * leaving free space between the root and it.
 */
function deployedDisk(file: string, image: string, meta: Record<string, unknown>): { configStartMiB: number } {
  const quiet = { stdio: 'pipe' as const };
  execFileSync('qemu-img', ['convert', '-O', 'raw', image, file], quiet);
  execFileSync('truncate', ['-s', `${GOLDEN_DISK_MiB}M`, file], quiet);
  execFileSync('sfdisk', ['--quiet', '--relocate', 'gpt-bak-std', file], quiet);
  const configStartMiB = GOLDEN_DISK_MiB - 1 - CONFIG_DRIVE_MiB; // the last MiB holds the backup GPT
  execFileSync('sfdisk', ['--quiet', '--append', '--no-reread', '--no-tell-kernel', file], { ...quiet, input: `start=${(configStartMiB * MiB) / 512}, size=${(CONFIG_DRIVE_MiB * MiB) / 512}, type=linux, name=config-2\n` });
  const cd = `${file}.config-2`;
  configDrive(cd, meta, CONFIG_DRIVE_MiB);
  execFileSync('dd', [`if=${cd}`, `of=${file}`, 'bs=1M', `seek=${configStartMiB}`, 'conv=notrunc,sparse', 'status=none'], quiet);
  rmSync(cd);
  return { configStartMiB };
}

/** An uncompressed newc cpio holding etc/undercloud-agent/ca.crt, to put in front of the initramfs. */
function caCpio(file: string): void {
  const dir = mkdtempSync(path.join(work, 'ca-cpio-'));
  mkdirSync(path.join(dir, 'etc', 'undercloud-agent'), { recursive: true });
  writeFileSync(path.join(dir, 'etc', 'undercloud-agent', 'ca.crt'), caPem);
  execFileSync('bash', ['-c', 'cd "$0" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 > "$1"', dir, file]);
}


beforeAll(async () => {
  const missing = missingTools();
  if (missing.length > 0) throw new Error(`image build tests need: ${missing.join('; ')}`);
  work = mkdtempSync(path.join(tmpdir(), 'dib-it-'));
  out = path.join(work, 'images');
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} missing: run "npm run build" first`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=undercloud test CA',
    '-keyout', path.join(work, 'ca.key'), '-out', path.join(work, 'ca.crt')], { stdio: 'ignore' });
  caPem = readFileSync(path.join(work, 'ca.crt'), 'utf8');
  daemon = await startTestDaemon();
  const r = await runCli(OVERCLOUD_BIN, ['--format', 'json', 'image', 'build', '--config-file', DEFINITIONS, '--output-dir', out, '--cache-dir', CACHE], daemon.configFile);
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
    const manifest = JSON.parse(readFileSync(golden.manifest, 'utf8')) as { elements: string[]; packages: { name: string; version: string }[]; builtAt: string; layout: { rootLabel: string }; agent: { source: string; sha256: string } };
    expect(manifest.agent.source).toBe(AGENT_BUNDLE);
    expect(manifest.agent.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.elements).toEqual(expect.arrayContaining(['debian', 'kernel', 'bootloader', 'config-drive', 'ssh', 'undercloud-agent', 'overcloud-base', 'openstack-lab-packages', 'openstack-services-off']));
    expect(manifest.packages.find((p) => p.name === 'nodejs')?.version).toMatch(/^18\./);
    expect(manifest.packages.find((p) => p.name === 'linux-image-cloud-amd64')).toBeDefined();
    // Root growth uses sfdisk: no growpart (cloud-guest-utils, which would bring python3; the base elements
    // need none: the ramdisk, with the same debian, kernel and agent elements, has none, checked below).
    expect(manifest.packages.filter((p) => p.name === 'cloud-guest-utils')).toEqual([]);
    expect(manifest.packages.find((p) => p.name === 'keystone')).toBeDefined();
    expect(manifest.layout.rootLabel).toBe('cloudimg-rootfs');
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', path.join(out, 'overcloud-full.qcow2')], { encoding: 'utf8' })) as { format: string };
    expect(info.format).toBe('qcow2');
    const table = execFileSync('sfdisk', ['--json', path.join(out, 'overcloud-full.raw')], { encoding: 'utf8' });
    const parts = (JSON.parse(table) as { partitiontable: { label: string; partitions: { type: string }[] } }).partitiontable;
    expect(parts.label).toBe('gpt');
    expect(parts.partitions.map((p) => p.type)).toEqual(['C12A7328-F81F-11D2-BA4B-00A0C93EC93B', '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709']);
  });

  it('puts the real agent bundle into the ramdisk, with the tools the agent runs there, and keeps it small', () => {
    const ramdisk = built.find((b) => b.name === 'deploy-ramdisk')!;
    const initramfs = path.join(out, 'deploy-ramdisk.initramfs');
    const listing = execFileSync('bash', ['-c', 'zstd -dc "$0" | cpio -tv --quiet', initramfs], { encoding: 'utf8', maxBuffer: 64 * MiB });
    expect(listing).toMatch(/^-rwxr-xr-x .* opt\/undercloud-agent\/undercloud-agent\.cjs$/m);
    expect(listing).not.toMatch(/agent-stub|agent\.mjs/);
    for (const tool of ['init', 'usr/bin/node', 'usr/bin/nbdkit', 'usr/lib/x86_64-linux-gnu/nbdkit/plugins/nbdkit-file-plugin.so', 'usr/sbin/sfdisk', 'usr/sbin/mkfs.vfat', 'usr/bin/mcopy', 'usr/sbin/blkid', 'usr/sbin/blockdev', 'usr/sbin/wipefs', 'usr/bin/kmod', 'usr/bin/ip', 'usr/bin/busybox']) {
      expect(listing, tool).toMatch(new RegExp(` ${tool.replace(/[.]/g, '\\.')}( -> .*)?$`, 'm'));
    }
    const inImage = execFileSync('bash', ['-c', 'zstd -dc "$0" | cpio -i --quiet --to-stdout opt/undercloud-agent/undercloud-agent.cjs | sha256sum', initramfs], { encoding: 'utf8', maxBuffer: 64 * MiB });
    // The manifest names the bundle and its checksum (compared with the manifest, not with dist/ now: the
    // bundle may have been rebuilt since).
    const manifest = JSON.parse(readFileSync(ramdisk.manifest, 'utf8')) as { packages: { name: string }[]; agent: { source: string; sha256: string } };
    expect(manifest.agent.source).toBe(AGENT_BUNDLE);
    expect(inImage.split(' ')[0]).toBe(manifest.agent.sha256);
    const names = manifest.packages.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['nodejs', 'nbdkit', 'fdisk', 'dosfstools', 'mtools', 'util-linux', 'kmod', 'iproute2', 'busybox']));
    expect(names).not.toContain('qemu-utils');
    expect(names.filter((n) => /^python3/.test(n))).toEqual([]);
    const size = statSync(initramfs).size;
    process.stderr.write(`deploy-ramdisk.initramfs: ${(size / MiB).toFixed(1)} MiB compressed\n`);
    expect(size).toBeLessThan(80 * MiB);
  });

  it('fails an offline build with an empty cache and names what is missing', async () => {
    const r = await runCli(OVERCLOUD_BIN, ['image', 'build', '--config-file', DEFINITIONS, '--offline', '--image', 'overcloud-full', '--output-dir', path.join(work, 'offline'), '--cache-dir', path.join(work, 'empty-cache')], daemon!.configFile);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/offline build impossible, not in the cache: base root filesystem for bookworm/);
    expect(r.stderr).toMatch(/linux-image-cloud-amd64/);
  });
});

describe('booting the images under QEMU (TCG)', () => {
  it('the golden image boots under UEFI (OVMF) on a bigger disk, applies the config drive, grows the root and starts the real agent in node mode', async () => {
    // A 3 GiB disk backed by the raw image: its backup GPT is where the image ended, not at the disk's end.
    const disk = path.join(work, 'uefi-node.qcow2');
    execFileSync('qemu-img', ['create', '-f', 'qcow2', '-F', 'raw', '-b', path.join(out, 'overcloud-full.raw'), disk, `${GOLDEN_DISK_MiB}M`], { stdio: 'ignore' });
    const cd = path.join(work, 'config-drive.img');
    configDrive(cd, nodeMeta('f3b5c7a2-0000-4000-8000-000000000001', 'node-uefi.example', 'tok-123'));
    const r = await bootAndWatch({
      firmware: 'uefi', workDir: work, timeoutMs: 420_000, name: 'golden-uefi',
      disks: [{ file: disk, format: 'qcow2' }, { file: cd, format: 'raw' }],
      expect: [
        /undercloud-firstboot: hostname node-uefi/, /undercloud-firstboot: agent enrollment token installed/, /undercloud-firstboot: undercloud CA installed/,
        /undercloud-firstboot: root filesystem grown on \/dev\/vda2 from \d+ to \d+ MiB/,
        /undercloud-agent\[f3b5c7a2-0000-4000-8000-000000000001\]: starting in node mode, daemon 127\.0\.0\.1:9/,
      ],
    });
    const grownMiB = Number(/grown on \/dev\/vda2 from \d+ to (\d+) MiB/.exec(r.console)![1]);
    expect(grownMiB).toBeGreaterThan(GOLDEN_DISK_MiB - 128 - 8);
    expect(r.console).not.toMatch(/growing the root failed|no CA file/);
    process.stderr.write(`UEFI boot to agent start: ${r.seconds.toFixed(0)} s (root grown to ${grownMiB} MiB)\n`);
  }, 450_000);

  it('the golden image (qcow2) deployed with its config drive partition at the disk end boots under BIOS (SeaBIOS), grows the root up to that partition and starts the agent', async () => {
    const disk = path.join(work, 'bios-node.raw');
    const { configStartMiB } = deployedDisk(disk, path.join(out, 'overcloud-full.qcow2'), nodeMeta('f3b5c7a2-0000-4000-8000-000000000002', 'node-bios.example', 'tok-456'));
    const r = await bootAndWatch({
      firmware: 'bios', workDir: work, timeoutMs: 420_000, name: 'golden-bios',
      disks: [{ file: disk, format: 'raw' }],
      expect: [
        /undercloud-firstboot: config drive \/dev\/vda3/, /undercloud-firstboot: hostname node-bios/,
        /undercloud-firstboot: root filesystem grown on \/dev\/vda2 from \d+ to \d+ MiB/,
        /undercloud-agent\[f3b5c7a2-0000-4000-8000-000000000002\]: starting in node mode, daemon 127\.0\.0\.1:9/,
      ],
    });
    const grownMiB = Number(/grown on \/dev\/vda2 from \d+ to (\d+) MiB/.exec(r.console)![1]);
    // Up to the config drive, which stays where it is (the disk was a snapshot: check the console only).
    expect(grownMiB).toBeGreaterThan(configStartMiB - 128 - 8);
    expect(grownMiB).toBeLessThanOrEqual(configStartMiB - 129);
    process.stderr.write(`BIOS boot to agent start: ${r.seconds.toFixed(0)} s (root grown to ${grownMiB} MiB)\n`);
  }, 450_000);

  it('the deploy ramdisk boots, loads virtio, sees the disk and starts the real agent in ramdisk mode from the kernel command line', async () => {
    const disk = path.join(work, 'target.qcow2');
    execFileSync('qemu-img', ['create', '-f', 'qcow2', disk, '1G'], { stdio: 'ignore' });
    // The CA as a second archive in front of the ramdisk's (the kernel unpacks both); /init copies it to
    // the agent's --ca-file. (Without it the agent would download undercloud.ca_url: no HTTP server here.)
    const initrd = path.join(work, 'ramdisk-with-ca.initramfs');
    caCpio(`${initrd}.ca`);
    execFileSync('bash', ['-c', 'cat "$0" "$1" > "$2"', `${initrd}.ca`, path.join(out, 'deploy-ramdisk.initramfs'), initrd]);
    const r = await bootAndWatch({
      firmware: 'bios', workDir: work, timeoutMs: 420_000, memoryMiB: 1024, name: 'deploy-ramdisk',
      kernel: path.join(out, 'deploy-ramdisk.kernel'), initrd,
      append: 'console=ttyS0 undercloud.server=127.0.0.1:9 undercloud.node=test-node undercloud.token=x',
      disks: [{ file: disk, format: 'qcow2' }],
      expect: [/undercloud-ramdisk: disks: .*vda/, /undercloud-agent\[test-node\]: starting in ramdisk mode, daemon 127\.0\.0\.1:9/],
    });
    expect(r.console).toMatch(/undercloud-ramdisk: \S+ 10\.0\.2\.\d+/);
    expect(r.console).not.toMatch(/no CA file/);
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
