/**
 * Interop against real servers on unix sockets and loopback: nbdkit (memory, file, blocksize-policy,
 * exportname), qemu-nbd (raw and qcow2 targets) and nbd-server. After every write, `qemu-img compare`
 * proves the target equals the image, independently of our own read-back digest.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNbdServer, startNbdkit, startQemuNbd, type RunningServer } from '../../../bench/nbd/servers.js';
import { connectNbd, listNbdExports } from '../../../undercloud/nbd/connect.js';
import { TFlag } from '../../../undercloud/nbd/constants.js';
import { imageDigest } from '../../../undercloud/nbd/verify.js';
import { writeImage, type WriteProgress } from '../../../undercloud/nbd/writer.js';
import { MiB, makeRawImage, qemuCompare, qemuImg, toQcow2 } from './images.js';

let dir: string;
let raw: string;
let qcow2: string;
const running: RunningServer[] = [];
async function track(s: Promise<RunningServer>): Promise<RunningServer> {
  const r = await s;
  running.push(r);
  return r;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbd-interop-'));
  raw = makeRawImage(path.join(dir, 'image.raw'));
  qcow2 = toQcow2(raw, path.join(dir, 'image.qcow2'), true); // compressed clusters: qemu-nbd must read them for us
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('writeImage against real servers', () => {
  it('nbdkit memory: raw image, 4 connections (CAN_MULTI_CONN), zeros not sent as data, progress reported', async () => {
    const t = await track(startNbdkit(dir, 'mem', ['memory', `${16 * MiB}`]));
    const progress: WriteProgress[] = [];
    const r = await writeImage({ source: raw, target: t.uri, connections: 4, onProgress: (p) => progress.push(p) });
    expect(r.verified).toBe(true);
    expect(r.connections).toBe(4);
    expect(r.dataBytes).toBeLessThan(5 * MiB); // 3.2 MiB of data plus edges, never the 1 MiB of allocated zeros
    expect(r.bytesWritten).toBe(8 * MiB);
    expect(r.digest).toBe(await imageDigest(raw));
    const last = progress.filter((p) => p.phase === 'write').at(-1)!;
    expect(last).toMatchObject({ bytes: 8 * MiB, total: 8 * MiB });
    expect(progress.some((p) => p.phase === 'verify')).toBe(true);
    expect(qemuCompare(raw, 'raw', t.uri, 'raw').ok).toBe(true);
  });

  it('nbdkit file: qcow2 source (through qemu-nbd --read-only) lands as the raw content', async () => {
    const file = path.join(dir, 'file-target.img');
    execFileSync('truncate', ['-s', `${8 * MiB}`, file]);
    const t = await track(startNbdkit(dir, 'file', ['file', `file=${file}`]));
    const r = await writeImage({ source: qcow2, target: t.uri });
    expect(r).toMatchObject({ verified: true, format: 'qcow2' });
    expect(r.digest).toBe(await imageDigest(raw));
    await t.stop();
    expect(qemuCompare(raw, 'raw', file, 'raw')).toMatchObject({ ok: true });
  });

  it('overwrites old data: holes of the image become zeros on a dirty target', async () => {
    const file = path.join(dir, 'dirty.img');
    execFileSync('dd', ['if=/dev/urandom', `of=${file}`, 'bs=1M', 'count=8', 'status=none']);
    const t2 = await track(startNbdkit(dir, 'dirty2', ['file', `file=${file}`]));
    const r = await writeImage({ source: raw, target: t2.uri });
    expect(r.verified).toBe(true);
    await t2.stop();
    expect(qemuCompare(raw, 'raw', file, 'raw').ok).toBe(true);
  });

  it('qemu-nbd: raw and qcow2 targets', async () => {
    const rawTarget = path.join(dir, 'qemu-target.raw');
    execFileSync('truncate', ['-s', `${8 * MiB}`, rawTarget]);
    const q1 = await track(startQemuNbd(dir, 'qraw', rawTarget, 'raw'));
    expect((await writeImage({ source: qcow2, target: q1.uri })).verified).toBe(true);
    await q1.stop();
    expect(qemuCompare(raw, 'raw', rawTarget, 'raw').ok).toBe(true);

    const qTarget = path.join(dir, 'qemu-target.qcow2');
    qemuImg(['create', '-q', '-f', 'qcow2', qTarget, `${8 * MiB}`]);
    const q2 = await track(startQemuNbd(dir, 'qq', qTarget, 'qcow2', { exportName: 'disk' }));
    expect(q2.uri).toContain('/disk?');
    expect((await writeImage({ source: raw, target: q2.uri })).verified).toBe(true);
    await q2.stop();
    expect(qemuCompare(raw, 'raw', qTarget, 'qcow2').ok).toBe(true);
  });

  it('nbd-server (the reference server) over loopback TCP with a named export', async () => {
    const file = path.join(dir, 'nbd-server.img');
    execFileSync('truncate', ['-s', `${8 * MiB}`, file]);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const s = await track(startNbdServer(dir, 'disk', file, port));
    const r = await writeImage({ source: raw, target: s.uri });
    expect(r.verified).toBe(true);
    await s.stop();
    expect(qemuCompare(raw, 'raw', file, 'raw').ok).toBe(true);
  });

  it('blocksize-policy: obeys the minimum and maximum the server advertises', async () => {
    const t = await track(startNbdkit(dir, 'bs', ['--filter=blocksize-policy', 'memory', `${8 * MiB}`,
      'blocksize-minimum=4096', 'blocksize-preferred=65536', 'blocksize-maximum=65536', 'blocksize-error-policy=error']));
    const s = await connectNbd(t.uri);
    expect(s.info.blockSize).toEqual({ minimum: 4096, preferred: 65536, maximum: 65536 });
    expect(s.info.blockSizeAdvertised).toBe(true);
    expect(() => s.write(100, Buffer.alloc(4096))).toThrow(/minimum block size/);
    expect(() => s.write(0, Buffer.alloc(128 * 1024))).toThrow(/maximum payload/);
    await s.disconnect();
    const r = await writeImage({ source: raw, target: t.uri });
    expect(r.verified).toBe(true);
    expect(qemuCompare(raw, 'raw', t.uri, 'raw').ok).toBe(true);
  });
});

describe('zeroing strategies (nbdkit nozero filter)', () => {
  it('a server that refuses FAST_ZERO still gets WRITE_ZEROES, not data', async () => {
    const t = await track(startNbdkit(dir, 'fz', ['--filter=nozero', '--filter=stats', 'memory', `${16 * MiB}`, 'zeromode=plugin', 'fastzeromode=slow', `statsfile=${dir}/fz.stats`, 'statsappend=true']));
    const logs: string[] = [];
    const r = await writeImage({ source: raw, target: t.uri, log: (m) => logs.push(m) });
    expect(r.verified).toBe(true);
    expect(logs.some((m) => /fast zeroing/.test(m))).toBe(true);
    await t.stop();
    const stats = readFileSync(`${dir}/fz.stats`, 'utf8');
    const m = /write: \d+ ops, [\d.]+ s, ([\d.]+) (bytes|KiB|MiB|GiB)/.exec(stats);
    const written = m ? Number(m[1]) * { bytes: 1, KiB: 1024, MiB: MiB, GiB: 1024 * MiB }[m[2] as 'bytes'] : NaN;
    expect(stats).toMatch(/zero: \d+ ops/);
    expect(written).toBeLessThan(5 * MiB); // the data only
  });

  it('a server without WRITE_ZEROES gets zeros written as data, and the image still verifies', async () => {
    const t = await track(startNbdkit(dir, 'nz', ['--filter=nozero', 'memory', `${16 * MiB}`, 'zeromode=none']));
    const r = await writeImage({ source: raw, target: t.uri });
    expect(r.verified).toBe(true);
    expect(qemuCompare(raw, 'raw', t.uri, 'raw').ok).toBe(true);
  });
});

describe('session features against nbdkit', () => {
  it('OPT_LIST lists the exports', async () => {
    const t = await track(startNbdkit(dir, 'list', ['--filter=exportname', 'memory', `${MiB}`, 'exportname=alpha', 'exportname=beta', 'exportname-list=explicit']));
    const names = (await listNbdExports(t.uri)).map((e) => e.name);
    expect(names).toEqual(['alpha', 'beta']);
  });

  it('pipelined READ/WRITE/TRIM/WRITE_ZEROES/FLUSH and BLOCK_STATUS base:allocation', async () => {
    const t = await track(startNbdkit(dir, 'ops', ['memory', `${4 * MiB}`]));
    const s = await connectNbd(t.uri);
    expect(s.has(TFlag.SEND_FAST_ZERO)).toBe(true);
    const a = Buffer.alloc(65536, 0xab);
    await Promise.all([s.write(0, a), s.write(MiB, a), s.write(2 * MiB, a), s.writeZeroes(3 * MiB, MiB, { fast: true })]);
    await s.trim(2 * MiB, 65536);
    await s.flush();
    const [r0, r1] = await Promise.all([s.read(0, 65536), s.read(MiB - 4096, 8192)]);
    expect(r0.equals(a)).toBe(true);
    expect(r1.subarray(0, 4096).every((b) => b === 0)).toBe(true);
    expect(r1.subarray(4096).every((b) => b === 0xab)).toBe(true);
    const ext = await s.blockStatus(0, 4 * MiB);
    expect(ext[0]).toMatchObject({ offset: 0, zero: false });
    expect(ext.find((e) => e.offset <= 3 * MiB && e.offset + e.length > 3 * MiB)!.zero).toBe(true);
    await s.disconnect();
  });
});
