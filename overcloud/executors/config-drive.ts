/**
 * `config_drive` (ramdisk): writes the node's config drive as Ironic's agent does, a GPT partition named and
 * labelled `config-2` at the very end of the disk holding a vfat filesystem with the given files
 * (openstack/latest/meta_data.json, network_data.json). It goes at the end so the root partition, which
 * grows on first boot, has the space between them. The filesystem image is built reproducibly (fixed volume
 * id) in the agent's state dir and copied in with plain writes, so it works on a disk image file as well as
 * on a block device and needs no partition device node; writing the same files again finds them there (read
 * back with mtools) and changes nothing. Needs sfdisk (fdisk), mkfs.vfat (dosfstools) and mcopy/mmd (mtools).
 */
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, utimesSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import path from 'node:path';
import { StepError, type ExecContext, type ExecOutcome, type StepExecutor } from '../agent/types.js';
import { runCommand, underRoot } from './exec.js';
import { str } from './params.js';
import { deviceSize } from './disk.js';

const SECTOR = 512;
const ALIGN = 2048; // sectors: 1 MiB
const GPT_TAIL_SECTORS = 33; // backup partition entries + backup header
const LINUX_DATA = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const FIXED_TIME = new Date('2000-01-01T00:00:00Z');

interface SfdiskPartition { node: string; start: number; size: number; name?: string }
interface SfdiskTable { label: string; lastlba?: number; partitions?: SfdiskPartition[] }

async function tool(ctx: ExecContext, cmd: string, args: string[], pkg: string, stdin?: string): Promise<string> {
  let r;
  try {
    r = stdin === undefined ? await runCommand(cmd, args, { signal: ctx.signal }) : await runWithInput(ctx, cmd, args, stdin);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StepError('config_drive_error', `${cmd} is not installed (Debian package ${pkg})`, {}, false);
    throw err;
  }
  if (r.code !== 0) throw new StepError('config_drive_error', `${cmd} ${args.join(' ')} exited with ${r.code}: ${r.stderr.trim().slice(-1000)}`);
  return r.stdout;
}

async function runWithInput(ctx: ExecContext, cmd: string, args: string[], stdin: string) {
  // runCommand has no stdin; sfdisk reads its script from a file just as well.
  const dir = mkdtempSync(path.join(ctx.stateDir, 'sfdisk-'));
  try {
    const f = path.join(dir, 'script');
    writeFileSync(f, stdin);
    return await runCommand('sh', ['-c', `exec "$0" "$@" < "${f}"`, cmd, ...args], { signal: ctx.signal });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readTable(json: string): SfdiskTable {
  try {
    return (JSON.parse(json) as { partitiontable: SfdiskTable }).partitiontable;
  } catch {
    throw new StepError('config_drive_error', 'cannot read the partition table (sfdisk --json)', {}, false);
  }
}

function files(p: Record<string, unknown>): [string, string][] {
  const v = p.files;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new StepError('invalid_params', 'parameter "files" must be a map of path -> content', {}, false);
  const out: [string, string][] = [];
  for (const [k, c] of Object.entries(v)) {
    if (typeof c !== 'string') throw new StepError('invalid_params', `files["${k}"] must be a string`, {}, false);
    const norm = path.posix.normalize(k).replace(/^\/+/, '');
    if (norm.startsWith('..') || norm === '' || norm === '.') throw new StepError('invalid_params', `files["${k}"] is not a relative path inside the drive`, {}, false);
    out.push([norm, c]);
  }
  return out.sort(([a], [b]) => a.localeCompare(b));
}

/** Builds the vfat image reproducibly: the same files give the same bytes. */
async function buildImage(ctx: ExecContext, dir: string, label: string, sizeMiB: number, content: [string, string][]): Promise<string> {
  const img = path.join(dir, 'config-drive.img');
  await tool(ctx, 'mkfs.vfat', ['--invariant', '-i', '12345678', '-n', label, '-C', img, String(sizeMiB * 1024)], 'dosfstools');
  const staged = path.join(dir, 'files');
  const dirs = new Set<string>();
  for (const [rel] of content) for (let d = path.posix.dirname(rel); d !== '.'; d = path.posix.dirname(d)) dirs.add(d);
  for (const d of [...dirs].sort((a, b) => a.length - b.length || a.localeCompare(b))) await tool(ctx, 'mmd', ['-i', img, `::${d}`], 'mtools');
  for (const [rel, c] of content) {
    const local = path.join(staged, rel);
    mkdirSync(path.dirname(local), { recursive: true });
    writeFileSync(local, c);
    utimesSync(local, FIXED_TIME, FIXED_TIME);
    await tool(ctx, 'mcopy', ['-m', '-i', img, local, `::${rel}`], 'mtools');
  }
  return img;
}

/**
 * Whether the filesystem already at `offset` has this label and exactly these file contents. Compared by
 * content, not bytes: directory timestamps differ between two builds of the same files.
 */
async function holdsFiles(ctx: ExecContext, device: string, offset: number, label: string, content: [string, string][]): Promise<boolean> {
  const image = `${device}@@${offset}`;
  const r = await runCommand('mlabel', ['-i', image, '-s', '::'], { signal: ctx.signal }).catch(() => undefined);
  if (!r || r.code !== 0 || !r.stdout.includes(label)) return false;
  for (const [rel, c] of content) {
    const t = await runCommand('mtype', ['-i', image, `::${rel}`], { signal: ctx.signal, keepBytes: c.length + 1024 }).catch(() => undefined);
    if (!t || t.code !== 0 || t.stdout !== c) return false;
  }
  return true;
}

function copyInto(fd: number, offset: number, img: string): void {
  const src = openSync(img, 'r');
  try {
    const buf = Buffer.alloc(4 * 1024 * 1024);
    for (let pos = 0; ; ) {
      const n = readSync(src, buf, 0, buf.length, pos);
      if (n === 0) break;
      writeSync(fd, buf, 0, n, offset + pos);
      pos += n;
    }
    fsyncSync(fd);
  } finally {
    closeSync(src);
  }
}

export const configDriveExecutor: StepExecutor = {
  kind: 'config_drive',
  modes: ['ramdisk'],
  async run(ctx: ExecContext): Promise<ExecOutcome> {
    const p = ctx.step.params;
    const device = underRoot(ctx.root, str(p, 'device'));
    const label = str(p, 'label', 'config-2');
    const sizeMiB = Number(p.size_mib ?? 64);
    if (!Number.isInteger(sizeMiB) || sizeMiB < 1 || sizeMiB > 1024) throw new StepError('invalid_params', 'parameter "size_mib" must be an integer from 1 to 1024', {}, false);
    const content = files(p);
    if (!existsSync(device)) throw new StepError('disk_error', `no device ${device}`, {}, false);
    if (ctx.dryRun) {
      ctx.log('agent', `dry run: would write a ${sizeMiB} MiB config drive (${content.length} files) at the end of ${device}\n`);
      return { changed: false, outputs: { device: p.device, dry_run: true } };
    }
    mkdirSync(ctx.stateDir, { recursive: true });
    const work = mkdtempSync(path.join(ctx.stateDir, 'config-drive-'));
    try {
      const img = await buildImage(ctx, work, label, sizeMiB, content);
      let table = readTable(await tool(ctx, 'sfdisk', ['--json', device], 'fdisk'));
      if (table.label === 'gpt') {
        // An image written to a larger disk leaves its backup GPT where the image ended: move it to the end.
        await tool(ctx, 'sfdisk', ['--relocate', 'gpt-bak-std', device], 'fdisk');
        table = readTable(await tool(ctx, 'sfdisk', ['--json', device], 'fdisk'));
      }
      const fd = openSync(device, 'r+');
      try {
        const sectors = Math.floor(deviceSize(fd, device) / SECTOR);
        const want = sizeMiB * 1024 * 1024 / SECTOR;
        const lastUsable = table.label === 'gpt' ? sectors - GPT_TAIL_SECTORS - 1 : sectors - 1;
        const start = Math.floor((lastUsable + 1 - want) / ALIGN) * ALIGN;
        const parts = table.partitions ?? [];
        const existing = parts.find((q) => q.start === start && q.size === want);
        const clash = parts.find((q) => q !== existing && q.start + q.size > start);
        if (clash) throw new StepError('config_drive_error', `partition ${clash.node} reaches into the last ${sizeMiB} MiB of ${device}; no room for the config drive`, {}, false);
        let changed = false;
        if (!existing) {
          const type = table.label === 'gpt' ? LINUX_DATA : '83';
          const name = table.label === 'gpt' ? `, name="${label}"` : '';
          await tool(ctx, 'sfdisk', ['--append', '--no-reread', '--no-tell-kernel', device], 'fdisk', `start=${start}, size=${want}, type=${type}${name}\n`);
          changed = true;
        }
        const offset = start * SECTOR;
        if (!changed && (await holdsFiles(ctx, device, offset, label, content))) {
          ctx.log('agent', `${device}: config drive already up to date at sector ${start}\n`);
        } else {
          copyInto(fd, offset, img);
          changed = true;
          ctx.log('agent', `${device}: config drive (${content.map(([f]) => f).join(', ')}) written at sector ${start}\n`);
        }
        const after = readTable(await tool(ctx, 'sfdisk', ['--json', device], 'fdisk'));
        const part = (after.partitions ?? []).find((q) => q.start === start);
        return { changed, outputs: { device: p.device, partition: part?.node ?? '', start_sector: start, size_mib: sizeMiB, label } };
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
