/**
 * The disk layout and how it is written without loop devices or mounts: a GPT made by sfdisk on the
 * raw file, an ESP made with `mkfs.vfat -C` and filled with mtools, the root filesystem made from the
 * image root directory with `mkfs.ext4 -d`, and both copied into place with dd conv=notrunc.
 * Partition UUIDs are fixed per build so the boot loader entries can name root=PARTUUID before the
 * disk exists. The ESP carries the legacy-BIOS-bootable attribute so syslinux (BIOS) boots it too.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { run, type RunOptions } from './exec.js';

export const SECTOR = 512;
const MiB = 1024 * 1024;
const ESP_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const LINUX_ROOT_X86_64 = '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709';

export interface DiskLayout {
  totalMiB: number;
  esp: { startMiB: number; sizeMiB: number; partuuid: string; label: string };
  root: { startMiB: number; sizeMiB: number; partuuid: string; label: string; fsuuid: string };
}

/** Plans the layout: 1 MiB for the GPT, the ESP, the root, 1 MiB for the backup GPT. */
export function planLayout(opts: { espSizeMiB: number; rootSizeMiB: number; imageSizeMiB?: number | undefined; rootLabel: string }): DiskLayout {
  const minTotal = 1 + opts.espSizeMiB + opts.rootSizeMiB + 1;
  const totalMiB = Math.max(minTotal, opts.imageSizeMiB ?? 0);
  const rootSizeMiB = totalMiB - 2 - opts.espSizeMiB;
  return {
    totalMiB,
    esp: { startMiB: 1, sizeMiB: opts.espSizeMiB, partuuid: randomUUID(), label: 'ESP' },
    root: { startMiB: 1 + opts.espSizeMiB, sizeMiB: rootSizeMiB, partuuid: randomUUID(), label: opts.rootLabel, fsuuid: randomUUID() },
  };
}

/** The sfdisk script for a layout (sizes in sectors so the result is exact). */
export function sfdiskScript(l: DiskLayout): string {
  const s = (mib: number) => (mib * MiB) / SECTOR;
  return [
    'label: gpt',
    `${'start='}${s(l.esp.startMiB)}, size=${s(l.esp.sizeMiB)}, type=${ESP_TYPE}, uuid=${l.esp.partuuid}, name="EFI System", attrs="LegacyBIOSBootable"`,
    `start=${s(l.root.startMiB)}, size=${s(l.root.sizeMiB)}, type=${LINUX_ROOT_X86_64}, uuid=${l.root.partuuid}, name="root"`,
    '',
  ].join('\n');
}

export function fstab(l: DiskLayout): string {
  return [
    '# written by disk-image-builder',
    `LABEL=${l.root.label} / ext4 defaults,errors=remount-ro 0 1`,
    `PARTUUID=${l.esp.partuuid} /boot/efi vfat defaults,umask=0077,nofail 0 2`,
    '',
  ].join('\n');
}

/** Creates the sparse raw file and writes the partition table. */
export async function partition(raw: string, l: DiskLayout, opts: RunOptions): Promise<void> {
  await run('truncate', ['-s', `${l.totalMiB}M`, raw], opts);
  await run('bash', ['-c', 'sfdisk --quiet --no-reread --no-tell-kernel "$0" <<<"$1"', raw, sfdiskScript(l)], opts);
}

/** Builds the ESP as a FAT file from a staging folder and copies it into its partition. */
export async function writeEsp(raw: string, work: string, stagingDir: string, l: DiskLayout, opts: RunOptions): Promise<void> {
  const img = `${work}/esp.img`;
  await run('rm', ['-f', img], opts);
  await run('mkfs.vfat', ['-F', '32', '-n', l.esp.label, '-C', img, String(l.esp.sizeMiB * 1024)], opts);
  const entries = readdirSync(stagingDir).map((e) => `${stagingDir}/${e}`);
  if (entries.length > 0) await run('mcopy', ['-s', '-Q', '-i', img, ...entries, '::/'], opts);
  await ddInto(raw, img, l.esp.startMiB, opts);
  await run('rm', ['-f', img], opts);
}

/** Makes the ext4 root filesystem from the image root directory and copies it into its partition. */
export async function writeRoot(raw: string, work: string, rootDir: string, l: DiskLayout, opts: RunOptions): Promise<void> {
  const img = `${work}/root.img`;
  await run('rm', ['-f', img], opts);
  await run('mkfs.ext4', ['-q', '-F', '-L', l.root.label, '-U', l.root.fsuuid, '-E', 'root_owner=0:0', '-d', rootDir, img, `${l.root.sizeMiB}M`], opts);
  await ddInto(raw, img, l.root.startMiB, opts);
  await run('rm', ['-f', img], opts);
}

async function ddInto(raw: string, part: string, startMiB: number, opts: RunOptions): Promise<void> {
  await run('dd', [`if=${part}`, `of=${raw}`, 'bs=1M', `seek=${startMiB}`, 'conv=notrunc,sparse', 'status=none'], opts);
}
