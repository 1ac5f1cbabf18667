/**
 * NBD writer benchmark: a 2 GiB raw image with ~25% data in scattered extents, and the same image as
 * qcow2, written to an nbdkit memory target and an nbdkit file target by our writer, nbdcopy and
 * `qemu-img convert -n`, each on a freshly started target. Prints MB/s of the logical size and of the
 * data sent, and our ratio to nbdcopy (goal >= 1.0) and to the faster peer (goal within 10%). Every tool
 * ends with a FLUSH (nbdcopy --flush), as a deploy must.
 */
import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { imageDigest } from '../../undercloud/nbd/verify.js';
import { writeImage } from '../../undercloud/nbd/writer.js';
import type { Benchmark, BenchResult } from '../types.js';
import { startNbdkit, type RunningServer } from './servers.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE = Number(process.env.NBD_BENCH_SIZE_MIB ?? 2048) * MiB;
const RUNS = Number(process.env.NBD_BENCH_RUNS ?? 2);

/** A sparse raw image: extents of 64 KiB..8 MiB at pseudo-random places until ~25% is data. */
export function makeSparseImage(file: string, size: number, fraction = 0.25, seed = 42): number {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const fd = openSync(file, 'w');
  ftruncateSync(fd, size);
  const buf = Buffer.allocUnsafe(8 * MiB);
  const slots = size / (64 * 1024);
  const used = new Uint8Array(slots);
  let data = 0;
  while (data < size * fraction) {
    const len = Math.min(slots, 1 + Math.floor(rnd() * 128)); // 64 KiB units
    const at = Math.floor(rnd() * (slots - len));
    let fresh = 0;
    for (let i = at; i < at + len; i++) {
      if (!used[i]) {
        used[i] = 1;
        fresh++;
      }
    }
    randomFillSync(buf, 0, len * 64 * 1024);
    writeSync(fd, buf, 0, len * 64 * 1024, at * 64 * 1024);
    data += fresh * 64 * 1024;
  }
  closeSync(fd);
  return data;
}

type Tool = 'undercloud' | 'nbdcopy' | 'qemu-img';

async function target(dir: string, kind: 'memory' | 'file', i: number): Promise<RunningServer> {
  if (kind === 'memory') return startNbdkit(dir, `mem${i}`, ['memory', `${SIZE}`]);
  const f = path.join(dir, `target${i}.img`);
  rmSync(f, { force: true });
  closeSync(openSync(f, 'w'));
  await run('truncate', ['-s', `${SIZE}`, f]);
  return startNbdkit(dir, `file${i}`, ['file', `file=${f}`]);
}

async function once(tool: Tool, src: string, fmt: 'raw' | 'qcow2', t: RunningServer, digest: string): Promise<{ secs: number; sent?: number }> {
  const start = process.hrtime.bigint();
  let sent: number | undefined;
  if (tool === 'undercloud') {
    // The deploy path: the image store knows the image's digest, so the write does not hash; the read-back
    // verification (reported below, apart) is what checks it. Peers neither hash nor verify.
    const r = await writeImage({ source: src, sourceFormat: fmt, target: t.uri, verify: false, expectedDigest: digest });
    sent = r.dataBytes;
  } else if (tool === 'nbdcopy') {
    // --flush: our writer always ends with FLUSH (the image must be durable before the node reboots), and
    // qemu-img flushes on close; without it nbdcopy would skip the fsync the file target does on FLUSH.
    const args = ['--flush', ...(fmt === 'raw' ? [src, t.uri] : ['--', '[', 'qemu-nbd', '-r', '-f', 'qcow2', src, ']', t.uri])];
    await run('nbdcopy', args);
  } else {
    await run('qemu-img', ['convert', '-n', '-f', fmt, src, '-O', 'raw', t.uri]);
  }
  return { secs: Number(process.hrtime.bigint() - start) / 1e9, ...(sent !== undefined ? { sent } : {}) };
}

export const bench: Benchmark = {
  description: `write a ${SIZE / MiB} MiB image (~25% data) to nbdkit memory/file targets: undercloud vs nbdcopy vs qemu-img convert -n`,
  async run(): Promise<BenchResult> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'undercloud-nbd-bench-'));
    const lines: string[] = [];
    let goalsMet = true;
    const notes: string[] = [];
    try {
      const raw = path.join(dir, 'image.raw');
      const qcow2 = path.join(dir, 'image.qcow2');
      const data = makeSparseImage(raw, SIZE);
      await run('qemu-img', ['convert', '-O', 'qcow2', raw, qcow2]);
      const d0 = Date.now();
      const digest = await imageDigest(raw);
      const digestSecs = (Date.now() - d0) / 1000;
      lines.push(`image: ${SIZE / MiB} MiB logical, ${(data / MiB).toFixed(0)} MiB data (${((100 * data) / SIZE).toFixed(1)}%), best of ${RUNS} runs, fresh target each run`);
      lines.push('source  target  tool        seconds  MB/s(logical)  MB/s(data)  vs nbdcopy');
      let n = 0;
      for (const [src, fmt] of [[raw, 'raw'], [qcow2, 'qcow2']] as const) {
        for (const kind of ['memory', 'file'] as const) {
          const best: Partial<Record<Tool, number>> = {};
          for (let r = 0; r < RUNS; r++) {
            for (const tool of ['nbdcopy', 'qemu-img', 'undercloud'] as Tool[]) {
              const t = await target(dir, kind, n++);
              try {
                const { secs } = await once(tool, src, fmt, t, digest);
                best[tool] = Math.min(best[tool] ?? Infinity, secs);
              } finally {
                await t.stop();
              }
            }
          }
          for (const tool of ['undercloud', 'nbdcopy', 'qemu-img'] as Tool[]) {
            const s = best[tool]!;
            const ratio = best.nbdcopy! / s;
            lines.push(`${fmt.padEnd(7)} ${kind.padEnd(7)} ${tool.padEnd(11)} ${s.toFixed(3).padStart(7)}  ${(SIZE / 1e6 / s).toFixed(0).padStart(13)}  ${(data / 1e6 / s).toFixed(0).padStart(10)}  ${ratio.toFixed(2)}`);
          }
          const ours = best.undercloud!;
          const fastestPeer = Math.min(best.nbdcopy!, best['qemu-img']!);
          if (best.nbdcopy! / ours < 1.0) {
            goalsMet = false;
            notes.push(`${fmt}->${kind}: ratio vs nbdcopy ${(best.nbdcopy! / ours).toFixed(2)} < 1.0`);
          }
          if (ours > fastestPeer * 1.1) {
            goalsMet = false;
            notes.push(`${fmt}->${kind}: ${((ours / fastestPeer - 1) * 100).toFixed(0)}% slower than the faster peer`);
          }
        }
      }
      // Costs reported apart: the image digest (once per image, in the image store), and a write that hashes
      // inline (no known digest) followed by the read-back verification that a deploy always does.
      lines.push(`image digest (sha256-tree-1m) of the raw image: ${digestSecs.toFixed(3)} s, once per image`);
      const t = await target(dir, 'memory', n++);
      try {
        const r = await writeImage({ source: raw, target: t.uri, verify: true });
        lines.push(`undercloud raw->memory hashing inline + read-back verify: write ${r.writeSeconds.toFixed(3)} s + verify ${r.verifySeconds.toFixed(3)} s, digest matches: ${r.digest === digest}`);
      } finally {
        await t.stop();
      }
      lines.push(`peak RSS of the benchmark process (writer in-process, ${SIZE / MiB} MiB images): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return { lines, goalsMet, goalNote: notes.join('; ') };
  },
};
