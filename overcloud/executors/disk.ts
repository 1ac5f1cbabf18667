/**
 * Ramdisk disk steps. `disk_wipe` (quick): zeroes the first and last MiB of a device, where partition tables
 * and filesystem signatures live (what `wipefs` and Ironic's metadata erase remove); a device already
 * zero there is left alone. `disk_export`: serves a device over NBD (nbdkit, or qemu-nbd) for the
 * daemon's NBD writer; a running export is reused. Paths are under the agent's root, and --dry-run only
 * logs, so both are testable on a plain file.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { StepError, type ExecContext, type ExecOutcome, type StepExecutor } from '../agent/types.js';
import { runCommand, underRoot } from './exec.js';
import { oneOf, str } from './params.js';

const MIB = 1024 * 1024;

function sizeOf(fd: number, file: string): number {
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
    oneOf(ctx.step.params, 'mode', ['quick'], 'quick');
    if (!existsSync(device)) throw new StepError('disk_error', `no device ${device}`, {}, false);
    const fd = openSync(device, ctx.dryRun ? 'r' : 'r+');
    try {
      const size = sizeOf(fd, device);
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
