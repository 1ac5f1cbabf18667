/**
 * The ramdisk's disk steps against real tools on a disk image file: config_drive (sfdisk, mkfs.vfat, mtools)
 * puts a config-2 partition at the end of a GPT disk whose backup header was left mid-disk by an image
 * write, and the files read back with mtools; the same step again changes nothing. disk_wipe full zeroes
 * everything once.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, closeSync, ftruncateSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDriveExecutor } from '../../../overcloud/executors/config-drive.js';
import { diskWipeExecutor } from '../../../overcloud/executors/disk.js';
import type { ExecContext } from '../../../overcloud/agent/types.js';
import { requireTools } from '../../helpers/tools.js';
import { tempDir } from '../../helpers/tmp.js';

const MIB = 1024 * 1024;

requireTools([['sfdisk', 'fdisk'], ['mkfs.vfat', 'dosfstools'], ['mcopy', 'mtools']]);

function ctx(root: string, kind: string, params: Record<string, unknown>): ExecContext {
  return {
    step: { id: 's', kind, params, timeoutMs: 60_000, retry: { maxAttempts: 1, backoffMs: 0 } }, attempt: 1,
    signal: new AbortController().signal, log: () => undefined, root, dryRun: false, stateDir: path.join(root, 'state'), mode: 'ramdisk',
  };
}

/** A 64 MiB "image" with ESP + root, then grown to `diskMiB` as if written to a bigger disk. */
function imageOnBiggerDisk(root: string, diskMiB: number): string {
  mkdirSync(path.join(root, 'dev'), { recursive: true });
  const disk = path.join(root, 'dev/vda');
  const fd = openSync(disk, 'w');
  ftruncateSync(fd, 64 * MIB);
  closeSync(fd);
  execFileSync('sh', ['-c', `printf 'label: gpt\\nsize=16MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=ESP\\ntype=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root\\n' | sfdisk -q ${disk}`]);
  const grow = openSync(disk, 'r+');
  ftruncateSync(grow, diskMiB * MIB);
  writeSync(grow, Buffer.from('root-data'), 0, 9, 20 * MIB);
  closeSync(grow);
  return disk;
}

describe('config_drive', () => {
  it('adds a config-2 partition at the end of the disk, readable with mtools, and is idempotent', async () => {
    const root = tempDir('uc-cd-');
    const disk = imageOnBiggerDisk(root, 256);
    const files = { 'openstack/latest/meta_data.json': JSON.stringify({ uuid: 'n1', hostname: 'ctl-0' }), 'openstack/latest/network_data.json': '{}' };
    const first = await configDriveExecutor.run(ctx(root, 'config_drive', { device: '/dev/vda', files }));
    expect(first.changed).toBe(true);
    const table = JSON.parse(execFileSync('sfdisk', ['--json', disk], { encoding: 'utf8' })).partitiontable as { lastlba: number; partitions: { start: number; size: number; name: string }[] };
    expect(table.partitions).toHaveLength(3);
    const cd = table.partitions[2]!;
    expect(cd.name).toBe('config-2');
    expect(cd.size).toBe(64 * 2048);
    expect(cd.start + cd.size - 1).toBeLessThanOrEqual(table.lastlba);
    expect(table.lastlba).toBeGreaterThan(250 * 2048); // the backup GPT moved to the end of the bigger disk
    expect(first.outputs).toMatchObject({ start_sector: cd.start, label: 'config-2' });
    // Read it back as firstboot would (blkid label, then the file).
    const offset = cd.start * 512;
    const label = execFileSync('blkid', ['-p', '-O', String(offset), '-o', 'value', '-s', 'LABEL', disk], { encoding: 'utf8' }).trim();
    expect(label).toBe('config-2');
    const meta = execFileSync('mtype', ['-i', `${disk}@@${offset}`, '::openstack/latest/meta_data.json'], { encoding: 'utf8' });
    expect(JSON.parse(meta)).toEqual({ uuid: 'n1', hostname: 'ctl-0' });
    expect(readFileSync(disk).subarray(20 * MIB, 20 * MIB + 9).toString()).toBe('root-data');
    await new Promise((r) => setTimeout(r, 2100)); // FAT timestamps have a 2 s resolution: a rebuild differs in bytes
    const again = await configDriveExecutor.run(ctx(root, 'config_drive', { device: '/dev/vda', files }));
    expect(again.changed).toBe(false);
    const changedFiles = { ...files, 'openstack/latest/network_data.json': '{"links":[]}' };
    expect((await configDriveExecutor.run(ctx(root, 'config_drive', { device: '/dev/vda', files: changedFiles }))).changed).toBe(true);
    expect(JSON.parse(execFileSync('sfdisk', ['--json', disk], { encoding: 'utf8' })).partitiontable.partitions).toHaveLength(3);
  });

  it('refuses paths outside the drive', async () => {
    const root = tempDir('uc-cd-');
    imageOnBiggerDisk(root, 128);
    await expect(configDriveExecutor.run(ctx(root, 'config_drive', { device: '/dev/vda', files: { '../etc/passwd': 'x' } }))).rejects.toThrow(/not a relative path/);
  });
});

describe('disk_wipe full', () => {
  it('zeroes the whole device once, then has nothing to do', async () => {
    const root = tempDir('uc-wipe-');
    const disk = imageOnBiggerDisk(root, 96);
    const r = await diskWipeExecutor.run(ctx(root, 'disk_wipe', { device: '/dev/vda', mode: 'full' }));
    expect(r.changed).toBe(true);
    expect(readFileSync(disk).every((b) => b === 0)).toBe(true);
    const again = await diskWipeExecutor.run(ctx(root, 'disk_wipe', { device: '/dev/vda', mode: 'full' }));
    expect(again).toMatchObject({ changed: false, outputs: { zeroed_bytes: 0 } });
  });
});
