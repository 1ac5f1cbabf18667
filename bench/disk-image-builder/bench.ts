/**
 * Golden image build times: ours cold (empty cache) and warm (cache kept), beside Debian's
 * python3-diskimage-builder building `debian-minimal vm` as qcow2 for the same release, in the same run.
 * Goals: our cold build at most half of diskimage-builder's; a warm rebuild under 30 s.
 *
 * What is compared: the golden image every role's image is built on (the `overcloud-base` element: Debian,
 * kernel, bootloader, config drive, ssh, the node agent), which is `debian-minimal vm` plus ssh and the
 * agent, so ours carries more. The role images add packages on top (overcloud-full: the OpenStack
 * services, ~2 GB), which `debian-minimal vm` has no counterpart for; their build time is download and
 * dpkg time, not the builder's.
 *
 * diskimage-builder's `vm` element maps the image's partitions with kpartx (device-mapper). On a host
 * without device-mapper (`dmsetup version` fails) the bench puts dm-shim/ first in its PATH: each
 * partition becomes a loop device at its offset, which is what the mapping gives DIB. DIB_BENCH_SKIP_DIB=1
 * leaves diskimage-builder out.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, parseImageDefinitions } from '../../disk-image-builder/index.js';
import type { Benchmark, BenchResult } from '../types.js';

const RELEASE = 'bookworm';

/** The base golden image, defined as an operator would (the parser supplies sizes and labels). */
const BASE_IMAGE = parseImageDefinitions(`- imagename: overcloud-base
  elements: [overcloud-base]
  environment: {DIB_RELEASE: ${RELEASE}}
  outputs: [qcow2]
`, 'bench: overcloud-base')[0]!;

async function ours(outputDir: string, cacheDir: string): Promise<number> {
  const r = await buildImage(BASE_IMAGE, { outputDir, cacheDir });
  return r.seconds;
}

/** True when the kernel has device-mapper (kpartx can work). */
function hasDeviceMapper(): boolean {
  try {
    execFileSync('dmsetup', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const DM_SHIM = fileURLToPath(new URL('../../../bench/disk-image-builder/dm-shim', import.meta.url));

/** A DIB run that fails leaves its partition loops mapped (it never gets to `kpartx -d`): detach them. */
function releaseShimMappings(): void {
  execFileSync('sh', ['-c', `for f in /run/dm-shim/*; do [ -f "$f" ] && "${DM_SHIM}/kpartx" -d "/dev/$(basename "$f")"; done; true`], { stdio: 'ignore' });
}

/**
 * diskimage-builder calls `sudo` throughout; as root on a host without sudo, a shim that drops sudo's
 * options and runs the command lets it work without installing anything.
 */
function sudoShim(work: string): string {
  const dir = path.join(work, 'shim');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'sudo'), '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -E|-H|-n|-i|-S) shift;; -u) shift 2;; --) shift; break;; -*) shift;; *) break;; esac; done\nexec "$@"\n', { mode: 0o755 });
  return dir;
}

function dib(work: string, dmShim: boolean): Promise<{ seconds: number } | { error: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const shims = [sudoShim(work), ...(dmShim ? [DM_SHIM] : [])].join(':');
    const env = { ...process.env, DIB_RELEASE: RELEASE, DIB_IMAGE_CACHE: path.join(work, 'dib-cache'), ELEMENTS_PATH: '',
      // DIB's debian-minimal still defaults to the pre-bullseye security path (<release>/updates).
      DIB_DEBIAN_SECURITY_MIRROR: 'http://deb.debian.org/debian-security', DIB_DEBIAN_SECURITY_SUBPATH: '-security', PATH: `${shims}:${process.env.PATH ?? ''}` };
    const child = spawn('disk-image-create', ['-a', 'amd64', '-t', 'qcow2', '-o', path.join(work, 'dib-image'), 'debian-minimal', 'vm'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (b: Buffer) => (tail = (tail + b.toString()).slice(-3000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => resolve({ error: e.message }));
    child.on('close', (code) => resolve(code === 0 ? { seconds: (Date.now() - started) / 1000 } : { error: `exit ${code}: ${tail.split('\n').filter(Boolean).slice(-3).join(' | ')}` }));
  });
}

export const bench: Benchmark = {
  description: `golden image build (${RELEASE}): ours cold and warm vs diskimage-builder debian-minimal vm (qcow2)`,
  async run(): Promise<BenchResult> {
    const work = mkdtempSync(path.join(tmpdir(), 'dib-bench-'));
    try {
      const cache = path.join(work, 'cache');
      const cold = await ours(path.join(work, 'out-cold'), cache);
      const warm = await ours(path.join(work, 'out-warm'), cache);
      const lines = [`ours (overcloud-base, qcow2) cold: ${cold.toFixed(1)} s`, `ours (overcloud-base, qcow2) warm: ${warm.toFixed(1)} s (goal < 30 s)`];
      let goalsMet = warm < 30;
      const notes: string[] = [];
      if (warm >= 30) notes.push(`warm ${warm.toFixed(1)} s >= 30 s`);
      if (process.env.DIB_BENCH_SKIP_DIB === '1' || !existsSync('/usr/bin/disk-image-create')) {
        lines.push('diskimage-builder: skipped (DIB_BENCH_SKIP_DIB=1 or python3-diskimage-builder not installed)');
      } else {
        const dmShim = !hasDeviceMapper();
        const d = await dib(work, dmShim);
        if (dmShim) releaseShimMappings();
        const how = dmShim ? ' (no device-mapper here: partitions mapped by bench/disk-image-builder/dm-shim)' : '';
        if ('seconds' in d) {
          lines.push(`diskimage-builder debian-minimal vm (cold)${how}: ${d.seconds.toFixed(1)} s; ours cold / DIB = ${(cold / d.seconds).toFixed(2)} (goal <= 0.50)`);
          if (cold > d.seconds / 2) {
            goalsMet = false;
            notes.push(`cold ${cold.toFixed(0)} s > half of DIB's ${d.seconds.toFixed(0)} s`);
          }
        } else {
          goalsMet = false;
          notes.push('diskimage-builder failed: no comparison');
          lines.push(`diskimage-builder debian-minimal vm${how}: failed (${d.error})`);
        }
      }
      return { lines, goalsMet, goalNote: notes.join('; ') };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
