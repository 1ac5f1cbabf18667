/**
 * The direct qcow2 reader (qcow2.ts) against qemu: every layout it accepts must read exactly as qemu reads
 * it (checked with `qemu-img compare` on the written target), and every layout it refuses must still be
 * written correctly through qemu-nbd. Then the plain SHA-256 of the logical content: reported by the
 * writer, checked against an expected value, kept across a reconnect, and the image store's digests.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNbdkit, type RunningServer } from '../../../bench/nbd/servers.js';
import { ImageDigestMismatchError } from '../../../undercloud/nbd/errors.js';
import { Qcow2FileSource } from '../../../undercloud/nbd/qcow2.js';
import { imageDigest, imageFileDigests, verifyTarget } from '../../../undercloud/nbd/verify.js';
import { writeImage } from '../../../undercloud/nbd/writer.js';
import { MiB, makeRawImage, qemuCompare, qemuImg, toQcow2 } from './images.js';

let dir: string;
let raw: string;
let rawSha: string;
const running: RunningServer[] = [];
async function memTarget(name: string, size = 16 * MiB): Promise<RunningServer> {
  const s = await startNbdkit(dir, name, ['memory', `${size}`]);
  running.push(s);
  return s;
}
const sha256sum = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbd-qcow2-'));
  raw = makeRawImage(path.join(dir, 'image.raw'));
  rawSha = sha256sum(raw);
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function qcow2(name: string, opts: string[] = []): string {
  const out = path.join(dir, `${name}.qcow2`);
  qemuImg(['convert', '-f', 'raw', '-O', 'qcow2', ...opts, raw, out]);
  return out;
}

describe('qcow2 read from the file (no qemu-nbd) when its layout allows', () => {
  const layouts: [string, string[]][] = [
    ['default', []],
    ['v2', ['-o', 'compat=0.10']],
    ['small-clusters', ['-o', 'cluster_size=4096']],
    ['big-clusters', ['-o', 'cluster_size=2M']],
    ['preallocated-metadata', ['-o', 'preallocation=metadata']],
  ];
  for (const [name, opts] of layouts) {
    it(`${name}: read directly, lands exactly as qemu reads it`, async () => {
      const img = qcow2(name, opts);
      const t = await memTarget(`q-${name}`);
      const r = await writeImage({ source: img, target: t.uri, sha256: true });
      expect(r).toMatchObject({ verified: true, format: 'qcow2', sourceReader: 'qcow2-file', sha256: rawSha });
      expect(qemuCompare(img, 'qcow2', t.uri, 'raw').ok).toBe(true);
    });
  }

  it('zero clusters (v3 zero flag, with and without a preallocated offset) and discarded clusters read as zeros', async () => {
    const img = qcow2('zeroed');
    // Zero a data range in place (keeps the allocation: zero flag + offset), and discard another.
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -z ${MiB + 65536} 131072`, '-c', `write -z -u ${2 * MiB} 65536`, '-c', `discard ${3 * MiB} 65536`, img], { stdio: 'ignore' });
    const src = await Qcow2FileSource.open(img);
    expect('unsupported' in src).toBe(false);
    if (!('unsupported' in src)) await src.close();
    const t = await memTarget('q-zeroed');
    const r = await writeImage({ source: img, target: t.uri });
    expect(r).toMatchObject({ verified: true, sourceReader: 'qcow2-file' });
    expect(qemuCompare(img, 'qcow2', t.uri, 'raw').ok).toBe(true);
  });

  it('falls back to qemu-nbd for compressed clusters and backing files, with the reason logged, and still lands exactly', async () => {
    const compressed = toQcow2(raw, path.join(dir, 'compressed.qcow2'), true);
    const overlay = path.join(dir, 'overlay.qcow2');
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', compressed, '-F', 'qcow2', overlay]);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x5a ${6 * MiB} 4096`, overlay], { stdio: 'ignore' });
    for (const [img, reason] of [[compressed, /compressed/], [overlay, /backing file/]] as const) {
      const logs: Record<string, unknown>[] = [];
      const t = await memTarget(`fb-${path.basename(img)}`);
      const r = await writeImage({ source: img, target: t.uri, log: (_m, f) => logs.push(f) });
      expect(r).toMatchObject({ verified: true, sourceReader: 'qemu-nbd' });
      expect(logs.some((l) => reason.test(String(l.reason)))).toBe(true);
      expect(qemuCompare(img, 'qcow2', t.uri, 'raw').ok).toBe(true);
    }
  });

  it('qcow2Reader: "qemu-nbd" forces the old path', async () => {
    const t = await memTarget('forced');
    const r = await writeImage({ source: qcow2('forced'), target: t.uri, qcow2Reader: 'qemu-nbd' });
    expect(r.sourceReader).toBe('qemu-nbd');
  });
});

describe('plain sha256 of the logical content', () => {
  it('is reported for raw and qcow2 sources alike (= sha256sum of the raw file), also while hashing the tree inline', async () => {
    const t = await memTarget('sha-raw');
    const r = await writeImage({ source: raw, target: t.uri, sha256: true });
    expect(r.sha256).toBe(rawSha);
    expect(r.digest).toBe(await imageDigest(raw));
    const t2 = await memTarget('sha-q');
    const r2 = await writeImage({ source: qcow2('sha'), target: t2.uri, expectedDigest: r.digest, expectedSha256: rawSha.toUpperCase() });
    expect(r2).toMatchObject({ sha256: rawSha, verified: true });
  });

  it('a different expectedSha256 fails with IMAGE_SHA256_MISMATCH', async () => {
    const t = await memTarget('sha-bad');
    const err = await writeImage({ source: raw, target: t.uri, expectedSha256: '0'.repeat(64) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDigestMismatchError);
    expect(err).toMatchObject({ code: 'IMAGE_SHA256_MISMATCH', actual: rawSha });
  });

  it('survives dropped connections: the stream hash resumes from the last flushed checkpoint', async () => {
    const t = await memTarget('sha-resume');
    // A proxy that cuts the first two connections after 2 MiB from the client.
    const sock = path.join(dir, 'sha-proxy.sock');
    let cuts = 0;
    const server = net.createServer((c) => {
      const up = net.connect({ path: t.socket });
      const drop = cuts < 2;
      let seen = 0;
      c.on('data', (d: Buffer) => {
        seen += d.length;
        if (drop && seen > 2 * MiB) {
          if (cuts < 2) cuts++;
          c.destroy();
          up.destroy();
          return;
        }
        up.write(d);
      });
      up.on('data', (d: Buffer) => c.write(d));
      for (const [a, b] of [[c, up], [up, c]] as const) {
        a.on('error', () => b.destroy());
        a.on('close', () => b.destroy());
      }
    });
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      const r = await writeImage({ source: raw, target: `nbd+unix:///?socket=${sock}`, checkpointBytes: MiB, connections: 1, requestSize: 256 * 1024, sha256: true });
      expect(r.reconnects).toBe(2);
      expect(r.sha256).toBe(rawSha);
      expect(r.digest).toBe(await imageDigest(raw));
    } finally {
      server.close();
    }
  });

  it('verifyTarget and imageDigest can compute it too', async () => {
    const t = await memTarget('sha-verify');
    await writeImage({ source: raw, target: t.uri, verify: false, expectedDigest: 'unused' });
    const got = await verifyTarget((await import('../../../undercloud/nbd/uri.js')).parseNbdUri(t.uri), 8 * MiB, { timeoutMs: 5000, connections: 2, maxInFlightBytes: 4 * MiB, requestSize: MiB, algorithm: 'sha256' });
    expect(got).toBe(rawSha);
    expect(await imageDigest(qcow2('digest'), 'auto', undefined, { algorithm: 'sha256' })).toBe(rawSha);
  });
});

describe('imageFileDigests (what the image store records)', () => {
  it('raw: one pass gives the file sha256 (= logical sha256) and the tree digest', async () => {
    const d = await imageFileDigests(raw);
    expect(d).toEqual({ fileSha256: rawSha, sha256: rawSha, treeDigest: await imageDigest(raw) });
  });

  it('qcow2: the file sha256 is the container; sha256 and tree digest are of the logical content', async () => {
    const img = qcow2('store');
    const d = await imageFileDigests(img);
    expect(d.fileSha256).toBe(sha256sum(img));
    expect(d.sha256).toBe(rawSha);
    expect(d.treeDigest).toBe(await imageDigest(raw));
  });
});
