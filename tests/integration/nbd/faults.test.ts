/**
 * Faults injected into real servers: nbdkit's error filter (EIO, ENOSPC), its delay filter (slowness and
 * a server too slow for the timeout), and a proxy that drops the connection mid-write so the writer must
 * reconnect and resume from its last flushed offset.
 */
import { copyFileSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNbdkit, type RunningServer } from '../../../bench/nbd/servers.js';
import { ImageSourceError, NbdCommandError, NbdDisconnectedError, NbdTimeoutError } from '../../../undercloud/nbd/errors.js';
import { openImageSource } from '../../../undercloud/nbd/source.js';
import { writeImage } from '../../../undercloud/nbd/writer.js';
import { MiB, makeRawImage, qemuCompare } from './images.js';

let dir: string;
let raw: string;
const running: RunningServer[] = [];
async function nbdkit(name: string, args: string[]): Promise<RunningServer> {
  const s = await startNbdkit(dir, name, args);
  running.push(s);
  return s;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbd-faults-'));
  raw = makeRawImage(path.join(dir, 'image.raw'));
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A unix-socket proxy to `target` that cuts its first `cuts` connections after `afterBytes` bytes from the
 * client; later connections pass through untouched.
 */
async function droppingProxy(target: string, afterBytes: number, cuts: number): Promise<{ uri: string; cutCount: () => number; close: () => void }> {
  const sock = path.join(dir, `proxy-${Math.random().toString(36).slice(2)}.sock`);
  let cut = 0;
  const server = net.createServer((c) => {
    const up = net.connect({ path: target });
    const dropThis = cut < cuts;
    let seen = 0;
    c.on('data', (d: Buffer) => {
      seen += d.length;
      if (dropThis && seen > afterBytes) {
        if (cut < cuts) cut++;
        c.destroy();
        up.destroy();
        return;
      }
      up.write(d);
    });
    up.on('data', (d: Buffer) => c.write(d));
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
    c.on('close', () => up.destroy());
    up.on('close', () => c.destroy());
  });
  await new Promise<void>((r) => server.listen(sock, r));
  return { uri: `nbd+unix:///?socket=${sock}`, cutCount: () => cut, close: () => server.close() };
}

describe('faults', () => {
  it('EIO from the server becomes NbdCommandError with errno EIO, without retries', async () => {
    const t = await nbdkit('eio', ['--filter=error', 'memory', `${16 * MiB}`, 'error=EIO', 'error-pwrite-rate=100%']);
    const err = await writeImage({ source: raw, target: t.uri, retries: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbdCommandError);
    expect(err).toMatchObject({ errno: 'EIO', code: 'NBD_EIO', command: 'NBD_CMD_WRITE' });
  });

  it('ENOSPC on zeroing is reported with its errno name', async () => {
    const t = await nbdkit('enospc', ['--filter=error', 'memory', `${16 * MiB}`, 'error=ENOSPC', 'error-zero-rate=100%']);
    await expect(writeImage({ source: raw, target: t.uri })).rejects.toMatchObject({ errno: 'ENOSPC' });
  });

  it('a source that cannot be read fails the write with ImageSourceError naming the file, without retries', async () => {
    const t = await nbdkit('shrunk', ['memory', `${16 * MiB}`]);
    const file = path.join(dir, 'shrinking.raw');
    copyFileSync(raw, file);
    const source = await openImageSource(file, 'raw');
    await source.extents(); // the layout is known; then the file loses its tail (reads go through the thread pool)
    truncateSync(file, 3 * MiB);
    const logs: unknown[] = [];
    const err = await writeImage({ source, target: t.uri, retries: 3, log: (_m, f) => logs.push(f) }).catch((e: unknown) => e);
    await source.close();
    expect(err).toBeInstanceOf(ImageSourceError);
    expect((err as Error).message).toMatch(/shrinking\.raw ended at \d+, before \d+/);
    expect(logs).toEqual([]); // not a connection problem: no reconnect
  });

  it('a slow server (delay filter) is waited for, and the image still verifies', async () => {
    const t = await nbdkit('slow', ['--filter=delay', 'memory', `${16 * MiB}`, 'delay-write=20ms', 'delay-zero=20ms']);
    const r = await writeImage({ source: raw, target: t.uri, timeoutMs: 5000 });
    expect(r.verified).toBe(true);
  });

  it('a server slower than the timeout fails with NbdTimeoutError after the retries', async () => {
    const t = await nbdkit('stuck', ['--filter=delay', 'memory', `${16 * MiB}`, 'delay-write=5', 'delay-zero=5']);
    const start = Date.now();
    const retried: string[] = [];
    const err = await writeImage({ source: raw, target: t.uri, timeoutMs: 300, retries: 1, log: (_m, f) => retried.push(String(f.error)) }).catch((e: unknown) => e);
    // The stall is detected as a timeout and retried once. The retry meets a server whose threads are still
    // stuck: it times out again, or (seen once in CI) its connect is refused; either way the write fails fast.
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatch(/did not answer .* within 300 ms/); // NbdTimeoutError from the session
    if (err instanceof NbdDisconnectedError) {
      // Not reproduced since (docs/nbd.md, "Known flake"): a live nbdkit 1.32 never refuses a connection, so
      // leave in the log whether it had exited and what it said, for the next time it happens.
      console.warn(`stalled nbdkit refused the reconnect: ${err.message}; nbdkit exit ${String(t.proc.exitCode ?? t.proc.signalCode)}, stderr: ${t.stderr().trim() || '(none)'}`);
    }
    expect(err).toSatisfy((e: unknown) => e instanceof NbdTimeoutError || e instanceof NbdDisconnectedError);
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('reconnects after dropped connections and resumes from the last flush; the target is exact', async () => {
    const t = await nbdkit('resume', ['memory', `${16 * MiB}`]);
    const proxy = await droppingProxy(t.socket, 2 * MiB, 2);
    const logs: Record<string, unknown>[] = [];
    try {
      const r = await writeImage({ source: raw, target: proxy.uri, checkpointBytes: MiB, connections: 1, requestSize: 256 * 1024, log: (_m, f) => logs.push(f) });
      expect(proxy.cutCount()).toBe(2);
      expect(r.reconnects).toBe(2);
      expect(r.verified).toBe(true);
      expect(logs.some((l) => (l.offset as number) > 0)).toBe(true); // resumed past the start, not from zero
    } finally {
      proxy.close();
    }
    expect(qemuCompare(raw, 'raw', t.uri, 'raw').ok).toBe(true);
  });
});
