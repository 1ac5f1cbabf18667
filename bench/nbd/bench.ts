/**
 * NBD writer benchmark: a 2 GiB raw image with ~25% data in scattered extents, and the same image as
 * qcow2, written to an nbdkit memory target and an nbdkit file target by our writer, nbdcopy and
 * `qemu-img convert -n`, each on a freshly started target, the three tools interleaved run by run so they
 * share the machine's load. Prints MB/s of the logical size and of the data sent, and our ratio to nbdcopy
 * (goal >= 1.0) and to the faster peer (goal within 10%), with the load average (the machine is shared).
 * Every tool ends with a FLUSH (nbdcopy --flush), as a deploy must. Then the digest and verification costs;
 * fresh processes with and without the V8 tuning of `undercloud image write` (nbd/process-tuning.ts),
 * interleaved; and the peak RSS of a separate process writing + verifying a 20 GiB image (goal ~64 MiB: the
 * process tuned as the CLI tunes it), of the same with V8's defaults, and of the real CLI doing it.
 * NBD_BENCH_SIZE_MIB, NBD_BENCH_RUNS and NBD_BENCH_RSS_SIZE_MIB (0 skips it) shrink or repeat it.
 */
import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, existsSync, rmSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { imageFileDigests } from '../../undercloud/nbd/verify.js';
import { writeImage } from '../../undercloud/nbd/writer.js';
import type { Benchmark, BenchResult } from '../types.js';
import { startNbdkit, type RunningServer } from './servers.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE = Number(process.env.NBD_BENCH_SIZE_MIB ?? 2048) * MiB;
const RUNS = Number(process.env.NBD_BENCH_RUNS ?? 3);
/** The image a separate process writes to measure the writer's memory (0 skips it). */
const RSS_SIZE = Number(process.env.NBD_BENCH_RSS_SIZE_MIB ?? 20480) * MiB;

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

async function target(dir: string, kind: 'memory' | 'file', i: number, size = SIZE): Promise<RunningServer> {
  if (kind === 'memory') return startNbdkit(dir, `mem${i}`, ['memory', `${size}`]);
  const f = path.join(dir, `target${i}.img`);
  rmSync(f, { force: true });
  closeSync(openSync(f, 'w'));
  await run('truncate', ['-s', `${size}`, f]);
  return startNbdkit(dir, `file${i}`, ['file', `file=${f}`]);
}

async function once(tool: Tool, src: string, fmt: 'raw' | 'qcow2', t: RunningServer, digest: string): Promise<{ secs: number; reader?: string }> {
  const start = process.hrtime.bigint();
  let reader: string | undefined;
  if (tool === 'undercloud') {
    // The deploy path: the image store knows the image's digest, so the write does not hash; the read-back
    // verification (reported below, apart) is what checks it. Peers neither hash nor verify.
    const r = await writeImage({ source: src, sourceFormat: fmt, target: t.uri, verify: false, expectedDigest: digest });
    reader = r.sourceReader;
  } else if (tool === 'nbdcopy') {
    // --flush: our writer always ends with FLUSH (the image must be durable before the node reboots), and
    // qemu-img flushes on close; without it nbdcopy would skip the fsync the file target does on FLUSH.
    const args = ['--flush', ...(fmt === 'raw' ? [src, t.uri] : ['--', '[', 'qemu-nbd', '-r', '-f', 'qcow2', src, ']', t.uri])];
    await run('nbdcopy', args);
  } else {
    await run('qemu-img', ['convert', '-n', '-f', fmt, src, '-O', 'raw', t.uri]);
  }
  return { secs: Number(process.hrtime.bigint() - start) / 1e9, ...(reader ? { reader } : {}) };
}

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

interface RssFigures {
  maxRssMiB: number;
  anonMiB: number;
  fileMiB: number;
  idleMiB: number;
  secs: number;
  writeSecs: number;
  verifySecs: number;
}

/**
 * Reads this process's peak RSS (VmHWM) and RSS split (anon / file-backed) from /proc, in MiB; shared by the
 * child scripts below. The peak is VmHWM, not getrusage's maxRSS: Linux carries the RSS the child had as a
 * fork of this (much bigger) benchmark process, before exec, into its maxRSS (it read 61-62 MiB for
 * children whose own peak was 58).
 */
const STATUS_FN = `const status = () => Object.fromEntries(readFileSync('/proc/self/status', 'utf8').split('\\n').filter((l) => /^(Rss(Anon|File)|VmHWM)/.test(l)).map((l) => [l.split(':')[0], parseInt(l.split(':')[1], 10) / 1024]));`;

/**
 * Peak RSS of a fresh Node process that does nothing but import the writer and write `src` to `uri`
 * (the deploy path: known digest, read-back verification), as /proc reports it. `tuned`: the process
 * first applies the V8 settings `undercloud image write` applies (nbd/process-tuning.ts); untuned is what
 * the writer costs in a process that keeps V8's defaults (the daemon).
 */
async function childRss(src: string, uri: string, opts: Record<string, unknown>, tuned: boolean): Promise<RssFigures> {
  const writer = new URL('../../undercloud/nbd/writer.js', import.meta.url).href;
  const tuning = new URL('../../undercloud/nbd/process-tuning.js', import.meta.url).href;
  const code = `
    import { readFileSync } from 'node:fs';
    ${STATUS_FN}
    if (${tuned}) (await import(${JSON.stringify(tuning)})).tuneWriterProcess();
    const { writeImage } = await import(${JSON.stringify(writer)});
    const idle = process.memoryUsage().rss / 1048576;
    let anon = 0, file = 0;
    const sample = () => { const s = status(); if (s.RssAnon + s.RssFile > anon + file) { anon = s.RssAnon; file = s.RssFile; } };
    const iv = setInterval(sample, 10);
    const t0 = Date.now();
    const r = await writeImage({ source: process.argv[1], target: process.argv[2], ...JSON.parse(process.argv[3]) });
    clearInterval(iv);
    sample();
    console.log(JSON.stringify({ maxRssMiB: status().VmHWM, anonMiB: anon, fileMiB: file, idleMiB: idle, secs: (Date.now() - t0) / 1000, writeSecs: r.writeSeconds, verifySecs: r.verifySeconds }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code, src, uri, JSON.stringify(opts)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as RssFigures;
}

/**
 * The same write through the real CLI (`undercloud image write IMAGE URI --expected-digest D`), its peak
 * RSS reported by a preloaded module when the process exits. It includes what the CLI itself loads
 * (commander and the shared CLI modules; other commands' modules are not imported).
 */
async function cliRss(dir: string, src: string, uri: string, digest: string): Promise<{ maxRssMiB: number; anonMiB: number; fileMiB: number; secs: number }> {
  const hook = path.join(dir, 'rss-at-exit.mjs');
  writeFileSync(hook, `import { readFileSync, writeSync } from 'node:fs';
    ${STATUS_FN}
    process.on('exit', () => { const s = status(); writeSync(2, 'RSS ' + JSON.stringify({ maxRssMiB: s.VmHWM, anonMiB: s.RssAnon, fileMiB: s.RssFile }) + '\\n'); });\n`);
  const cli = fileURLToPath(new URL('../../../bin/undercloud', import.meta.url));
  const t0 = Date.now();
  const { stderr } = await run(process.execPath, ['--import', pathToFileURL(hook).href, cli, '--format', 'json', 'image', 'write', src, uri, '--expected-digest', digest], { maxBuffer: 16 << 20 });
  const line = stderr.split('\n').find((l) => l.startsWith('RSS '));
  if (!line) throw new Error(`the CLI did not report its RSS: ${stderr.slice(-500)}`);
  return { ...(JSON.parse(line.slice(4)) as { maxRssMiB: number; anonMiB: number; fileMiB: number }), secs: (Date.now() - t0) / 1000 };
}

export const bench: Benchmark = {
  description: `write a ${SIZE / MiB} MiB image (~25% data) to nbdkit memory/file targets: undercloud vs nbdcopy vs qemu-img convert -n`,
  async run(): Promise<BenchResult> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'undercloud-nbd-bench-'));
    const lines: string[] = [];
    let goalsMet = true;
    const notes: string[] = [];
    try {
      lines.push(`machine: ${os.availableParallelism()} cores, load average ${load()} at the start`);
      const raw = path.join(dir, 'image.raw');
      const qcow2 = path.join(dir, 'image.qcow2');
      const data = makeSparseImage(raw, SIZE);
      await run('qemu-img', ['convert', '-O', 'qcow2', raw, qcow2]);
      // What the image store does once per image at upload: one read of the raw file for its sha256 and tree digest.
      const d0 = Date.now();
      const digests = await imageFileDigests(raw);
      const digestSecs = (Date.now() - d0) / 1000;
      const digest = digests.treeDigest;
      lines.push(`image: ${SIZE / MiB} MiB logical, ${(data / MiB).toFixed(0)} MiB data (${((100 * data) / SIZE).toFixed(1)}%); best (and median) of ${RUNS} runs, tools interleaved, fresh target each run`);
      lines.push('source  target  tool        best s  median s  MB/s(logical)  MB/s(data)  vs nbdcopy  load');
      let n = 0;
      for (const [src, fmt] of [[raw, 'raw'], [qcow2, 'qcow2']] as const) {
        for (const kind of ['memory', 'file'] as const) {
          const times: Record<Tool, number[]> = { undercloud: [], nbdcopy: [], 'qemu-img': [] };
          let reader = '';
          for (let r = 0; r < RUNS; r++) {
            // The order rotates run by run: whatever the previous run left to the kernel (a deleted target's
            // pages, writeback) falls on each tool in turn.
            const order: Tool[] = ['nbdcopy', 'qemu-img', 'undercloud'];
            for (const tool of [...order.slice(r % 3), ...order.slice(0, r % 3)]) {
              const t = await target(dir, kind, n++);
              try {
                const o = await once(tool, src, fmt, t, digest);
                times[tool].push(o.secs);
                if (o.reader) reader = o.reader;
              } finally {
                await t.stop();
                rmSync(path.join(dir, `target${n - 1}.img`), { force: true });
              }
            }
          }
          const best = (tool: Tool) => Math.min(...times[tool]);
          const l = load();
          for (const tool of ['undercloud', 'nbdcopy', 'qemu-img'] as Tool[]) {
            const s = best(tool);
            lines.push(`${fmt.padEnd(7)} ${kind.padEnd(7)} ${tool.padEnd(11)} ${s.toFixed(3).padStart(6)}  ${median(times[tool]).toFixed(3).padStart(8)}  ${(SIZE / 1e6 / s).toFixed(0).padStart(13)}  ${(data / 1e6 / s).toFixed(0).padStart(10)}  ${(best('nbdcopy') / s).toFixed(2).padStart(10)}  ${tool === 'undercloud' ? `${l}${reader ? ` (source read: ${reader})` : ''}` : ''}`);
          }
          const ours = best('undercloud');
          const fastestPeer = Math.min(best('nbdcopy'), best('qemu-img'));
          if (best('nbdcopy') / ours < 1.0) {
            goalsMet = false;
            notes.push(`${fmt}->${kind}: ratio vs nbdcopy ${(best('nbdcopy') / ours).toFixed(2)} < 1.0`);
          }
          if (ours > fastestPeer * 1.1) {
            goalsMet = false;
            notes.push(`${fmt}->${kind}: ${((ours / fastestPeer - 1) * 100).toFixed(0)}% slower than the faster peer`);
          }
        }
      }
      // Costs reported apart: the image digests (once per image, in the image store), the deploy path (known
      // digest, then read-back verification), a write that hashes the tree inline, and the plain sha256.
      lines.push(`image store digests of the raw image (file sha256 = disk sha256, and sha256-tree-1m, one read): ${digestSecs.toFixed(3)} s, once per image`);
      const phases = async (name: string, opts: Partial<Parameters<typeof writeImage>[0]>, check: (r: Awaited<ReturnType<typeof writeImage>>) => boolean) => {
        const t = await target(dir, 'memory', n++);
        try {
          const r = await writeImage({ source: raw, target: t.uri, ...opts });
          lines.push(`undercloud raw->memory ${name}: write ${r.writeSeconds.toFixed(3)} s${r.verified ? ` + verify ${r.verifySeconds.toFixed(3)} s` : ''}, ${check(r) ? 'digests match' : 'DIGEST MISMATCH'}`);
        } finally {
          await t.stop();
        }
      };
      await phases('deploy path (known tree digest, read-back verify)', { expectedDigest: digest }, (r) => r.verified);
      await phases('tree digest hashed inline + read-back verify', {}, (r) => r.digest === digest);
      await phases('plain sha256 of the content checked while writing (expectedSha256), no verify', { expectedDigest: digest, expectedSha256: digests.sha256, verify: false }, (r) => r.sha256 === digests.sha256);
      lines.push(`peak RSS of the benchmark process (writer in-process, ${SIZE / MiB} MiB images): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
      // The V8 tuning `undercloud image write` applies (no optimizing compiler, small young generation) must
      // not slow it down: fresh processes with and without it, interleaved, each on a fresh target.
      const fresh: Record<'tuned' | 'default', { write: number[]; verify: number[]; rss: number[] }> = { tuned: { write: [], verify: [], rss: [] }, default: { write: [], verify: [], rss: [] } };
      for (let r = 0; r < RUNS; r++) {
        for (const tuned of r % 2 === 0 ? [true, false] : [false, true]) {
          const t = await target(dir, 'memory', n++);
          try {
            const m = await childRss(raw, t.uri, { expectedDigest: digest }, tuned);
            const f = fresh[tuned ? 'tuned' : 'default'];
            f.write.push(m.writeSecs);
            f.verify.push(m.verifySecs);
            f.rss.push(m.maxRssMiB);
          } finally {
            await t.stop();
          }
        }
      }
      for (const k of ['tuned', 'default'] as const) {
        const f = fresh[k];
        lines.push(`fresh process, raw->memory deploy path, ${k === 'tuned' ? 'V8 tuned as the CLI does' : "V8's defaults"}: write best ${Math.min(...f.write).toFixed(3)} s (median ${median(f.write).toFixed(3)}), verify best ${Math.min(...f.verify).toFixed(3)} s (median ${median(f.verify).toFixed(3)}), peak RSS ${Math.max(...f.rss).toFixed(0)} MiB`);
      }
      rmSync(qcow2, { force: true });
      rmSync(raw, { force: true });
      // Memory: a fresh process that only writes (and verifies) a big image, as `undercloud image write` does.
      if (RSS_SIZE > 0) {
        const big = path.join(dir, 'big.raw');
        const bigData = makeSparseImage(big, RSS_SIZE);
        const bigDigest = (await imageFileDigests(big)).treeDigest;
        // Each process writes to a fresh memory target (a target that already holds the data is faster to write).
        const fresh = async <T>(fn: (uri: string) => Promise<T>): Promise<T> => {
          const t = await target(dir, 'memory', n++, RSS_SIZE);
          try {
            return await fn(t.uri);
          } finally {
            await t.stop();
          }
        };
        try {
          // The goal's figure: the writer in a process set up as `undercloud image write` sets it up.
          const m = await fresh((uri) => childRss(big, uri, { expectedDigest: bigDigest }, true));
          lines.push(`RSS of a process writing + verifying a ${RSS_SIZE / MiB} MiB image (${(bigData / MiB).toFixed(0)} MiB data; deploy path, V8 tuned as the CLI does): peak ${m.maxRssMiB.toFixed(0)} MiB (anon ${m.anonMiB.toFixed(0)} + Node's mapped binary ${m.fileMiB.toFixed(0)}), ${m.idleMiB.toFixed(0)} MiB after importing the writer, write ${m.writeSecs.toFixed(1)} s + verify ${m.verifySecs.toFixed(1)} s`);
          if (m.maxRssMiB > 64 * 1.1) {
            goalsMet = false;
            notes.push(`RSS ${m.maxRssMiB.toFixed(0)} MiB > ~64 MiB`);
          }
          const d = await fresh((uri) => childRss(big, uri, { expectedDigest: bigDigest }, false));
          lines.push(`  same with V8's defaults (as in the daemon): peak ${d.maxRssMiB.toFixed(0)} MiB (anon ${d.anonMiB.toFixed(0)} + file ${d.fileMiB.toFixed(0)}), write ${d.writeSecs.toFixed(1)} s + verify ${d.verifySecs.toFixed(1)} s (single runs, the tuned one first after the image was made: for speed see the fresh-process lines)`);
          if (existsSync(new URL('../../../bin/undercloud', import.meta.url))) {
            const c = await fresh((uri) => cliRss(dir, big, uri, bigDigest));
            lines.push(`  same through \`undercloud image write\` (the whole CLI process): peak ${c.maxRssMiB.toFixed(0)} MiB (anon ${c.anonMiB.toFixed(0)} + file ${c.fileMiB.toFixed(0)} at exit), ${c.secs.toFixed(1)} s in all`);
          }
        } finally {
          rmSync(big, { force: true });
        }
      }
      lines.push(`load average at the end: ${load()}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return { lines, goalsMet, goalNote: notes.join('; ') };
  },
};
