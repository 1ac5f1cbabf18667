/**
 * Ramdisk disk steps. `disk_wipe` mode quick (Ironic's erase_devices_metadata): zeroes the first and last MiB
 * of a device, where partition tables and filesystem signatures live; a device already zero there is left
 * alone. Mode full (erase_devices): zeroes the whole device, skipping blocks that are already zero (so a
 * second run writes nothing and says so). `disk_export`: serves a device over NBD (nbdkit, or qemu-nbd) for the
 * daemon's NBD writer; a running export is reused. Paths are under the agent's root, and --dry-run only
 * logs, so both are testable on a plain file.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { StepError, type ExecContext, type ExecOutcome, type StepExecutor } from '../agent/types.js';
import { runCommand, underRoot } from './exec.js';
import { oneOf, str } from './params.js';

const MIB = 1024 * 1024;

export function deviceSize(fd: number, file: string): number {
  const st = fstatSync(fd);
  if (st.isFile()) return st.size;
  try {
    return Number(execFileSync('blockdev', ['--getsize64', file], { encoding: 'utf8' }).trim());
  } catch {
    throw new StepError('disk_error', `cannot read the size of ${file}`);
  }
}

function isZero(fd: number, offset: number, len: number): boolean {
  const buf = Buffer.alloc(len);
  const n = readSync(fd, buf, 0, len, offset);
  for (let i = 0; i < n; i++) if (buf[i] !== 0) return false;
  return true;
}

export const diskWipeExecutor: StepExecutor = {
  kind: 'disk_wipe',
  modes: ['ramdisk'],
  async run(ctx: ExecContext): Promise<ExecOutcome> {
    const device = underRoot(ctx.root, str(ctx.step.params, 'device'));
    const mode = oneOf(ctx.step.params, 'mode', ['quick', 'full'], 'quick');
    if (!existsSync(device)) throw new StepError('disk_error', `no device ${device}`, {}, false);
    if (mode === 'full') return fullErase(ctx, device);
    const fd = openSync(device, ctx.dryRun ? 'r' : 'r+');
    try {
      const size = deviceSize(fd, device);
      const ranges: [number, number][] = [[0, Math.min(MIB, size)]];
      if (size > MIB) ranges.push([Math.max(MIB, size - MIB), size - Math.max(MIB, size - MIB)]);
      if (ranges.every(([o, l]) => isZero(fd, o, l))) {
        ctx.log('agent', `${device}: no metadata to wipe\n`);
        return { changed: false, outputs: { device: ctx.step.params.device, bytes: size } };
      }
      if (ctx.dryRun) {
        ctx.log('agent', `dry run: would zero ${ranges.map(([o, l]) => `${l} bytes at ${o}`).join(' and ')} of ${device}\n`);
        return { changed: false, outputs: { device: ctx.step.params.device, bytes: size, dry_run: true } };
      }
      for (const [o, l] of ranges) writeSync(fd, Buffer.alloc(l), 0, l, o);
      ctx.log('agent', `${device}: zeroed the first and last MiB\n`);
      return { changed: true, outputs: { device: ctx.step.params.device, bytes: size } };
    } finally {
      closeSync(fd);
    }
  },
};

async function fullErase(ctx: ExecContext, device: string): Promise<ExecOutcome> {
  const fd = openSync(device, ctx.dryRun ? 'r' : 'r+');
  try {
    const size = deviceSize(fd, device);
    const chunk = 4 * MIB;
    const buf = Buffer.alloc(chunk);
    const zeros = Buffer.alloc(chunk);
    let written = 0;
    let nextReport = 0.1;
    for (let off = 0; off < size; off += chunk) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const len = Math.min(chunk, size - off);
      const n = readSync(fd, buf, 0, len, off);
      if (!buf.subarray(0, n).equals(zeros.subarray(0, n))) {
        if (!ctx.dryRun) writeSync(fd, zeros, 0, len, off);
        written += len;
      }
      if ((off + len) / size >= nextReport) {
        ctx.log('agent', `${device}: erased ${Math.round(((off + len) / size) * 100)}%\n`);
        nextReport += 0.1;
      }
      // Yield now and then so heartbeats and logs keep flowing during a long erase.
      if ((off / chunk) % 16 === 15) await new Promise((r) => setImmediate(r));
    }
    if (!ctx.dryRun && written > 0) fsyncSync(fd);
    ctx.log('agent', written === 0 ? `${device}: already all zero\n` : `${device}: ${ctx.dryRun ? 'would zero' : 'zeroed'} ${written} of ${size} bytes\n`);
    return { changed: written > 0 && !ctx.dryRun, outputs: { device: ctx.step.params.device, bytes: size, zeroed_bytes: written, mode: 'full', ...(ctx.dryRun ? { dry_run: true } : {}) } };
  } finally {
    closeSync(fd);
  }
}

function alive(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export const diskExportExecutor: StepExecutor = {
  kind: 'disk_export',
  modes: ['ramdisk'],
  async run(ctx: ExecContext): Promise<ExecOutcome> {
    const p = ctx.step.params;
    const device = underRoot(ctx.root, str(p, 'device'));
    const port = Number(p.port ?? 10809);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StepError('invalid_params', 'parameter "port" must be a TCP port', {}, false);
    const bind = str(p, 'bind', '0.0.0.0');
    const tool = oneOf(p, 'tool', ['nbdkit', 'qemu-nbd'], 'nbdkit');
    if (!existsSync(device)) throw new StepError('disk_error', `no device ${device}`, {}, false);
    const runDir = path.join(ctx.stateDir, 'exports');
    mkdirSync(runDir, { recursive: true });
    const pidFile = path.join(runDir, `${port}.pid`);
    const outputs = { uri: `nbd://${bind === '0.0.0.0' ? '' : bind}:${port}`, device: p.device, port, tool };
    const pid = alive(pidFile);
    if (pid) {
      ctx.log('agent', `${device} already exported on port ${port} (pid ${pid})\n`);
      return { changed: false, outputs: { ...outputs, pid } };
    }
    if (ctx.dryRun) {
      ctx.log('agent', `dry run: would export ${device} with ${tool} on ${bind}:${port}\n`);
      return { changed: false, outputs: { ...outputs, dry_run: true } };
    }
    const args = tool === 'nbdkit'
      ? ['-P', pidFile, '-i', bind, '-p', String(port), 'file', `file=${device}`]
      : ['--fork', '--persistent', '--pid-file', pidFile, '--bind', bind, '--port', String(port), '--format', 'raw', '--cache', 'none', device];
    let r;
    try {
      r = await runCommand(tool, args, { signal: ctx.signal, log: ctx.log });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StepError('disk_error', `${tool} is not installed (Debian package ${tool === 'nbdkit' ? 'nbdkit' : 'qemu-utils'})`, {}, false);
      throw err;
    }
    if (r.code !== 0) throw new StepError('disk_error', `${tool} exited with ${r.code}: ${r.stderr.slice(-2000)}`);
    for (let i = 0; i < 50 && !alive(pidFile); i++) await new Promise((res) => setTimeout(res, 50));
    const started = alive(pidFile);
    if (!started) throw new StepError('disk_error', `${tool} did not start`);
    ctx.log('agent', `exporting ${device} on ${bind}:${port} (pid ${started})\n`);
    return { changed: true, outputs: { ...outputs, pid: started } };
  },
};
