/** Leased (in-place) tree hashing, the plain stream SHA-256, the buffer pool and the window's barrier. */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { BufferPool } from '../../../undercloud/nbd/buffers.js';
import { HASH_BLOCK, TreeHasher } from '../../../undercloud/nbd/digest.js';
import { ParallelTreeHasher, StreamSha256, digestWorkers } from '../../../undercloud/nbd/parallel-digest.js';
import { InflightWindow } from '../../../undercloud/nbd/window.js';

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

// Data and zero pieces of odd sizes (blocks assembled from several units and from zeros).
const pieces: [number, 'd' | 'z'][] = [[300_000, 'd'], [2 * HASH_BLOCK + 5, 'z'], [HASH_BLOCK, 'd'], [777, 'z'], [3 * HASH_BLOCK, 'z'], [12_345, 'd'], [2 * HASH_BLOCK, 'd']];
const image = Buffer.concat(pieces.map(([n, k], i) => (k === 'd' ? pattern(n, i) : Buffer.alloc(n))));
const treeOf = (buf: Buffer) => {
  const t = new TreeHasher();
  t.data(buf);
  return t.digest();
};

/** Feeds `image` in pieces through pooled slots (shared or not), recycling each slot as the writer does. */
async function feed(shared: boolean, sinks: { data: (b: Buffer, l?: never) => void; zeros: (n: number) => void }[]) {
  const pool = new BufferPool(HASH_BLOCK, 4, shared);
  let at = 0;
  for (const [n, k] of pieces) {
    for (let off = 0; off < n; off += HASH_BLOCK) {
      const len = Math.min(HASH_BLOCK, n - off);
      if (k === 'z') {
        for (const s of sinks) s.zeros(len);
        continue;
      }
      let slot = pool.take();
      while (!slot) {
        await pool.freed();
        slot = pool.take();
      }
      const buf = slot.buf.subarray(0, len);
      image.copy(buf, 0, at + off, at + off + len);
      for (const s of sinks) s.data(buf, slot as never);
      slot.release();
    }
    at += n;
  }
  return pool;
}

describe('ParallelTreeHasher with lent buffers', () => {
  it('matches TreeHasher while the caller recycles its buffers, and gives every buffer back, hashing in place or on the thread pool', async () => {
    for (const threadPool of [false, true]) {
      for (const shared of [false, true]) {
        const h = new ParallelTreeHasher(digestWorkers({ threadPool }));
        const pool = await feed(shared, [h]);
        expect(await h.digest()).toBe(treeOf(image));
        expect(pool.inUse).toBe(0);
      }
    }
  });
});

describe('ParallelTreeHasher hashing in place', () => {
  it('hashes blocks assembled from lent pieces where they lie: no block buffer, no copy', async () => {
    const workers = digestWorkers({ threadPool: false });
    const block = vi.spyOn(workers, 'block');
    const h = new ParallelTreeHasher(workers);
    const pool = await feed(false, [h]);
    expect(await h.digest()).toBe(treeOf(image));
    expect(block).not.toHaveBeenCalled();
    expect(pool.inUse).toBe(0);
  });

  it('matches TreeHasher when the caller lends nothing (pieces copied), in place or on the thread pool', async () => {
    for (const threadPool of [false, true]) {
      const h = new ParallelTreeHasher(digestWorkers({ threadPool }));
      let at = 0;
      for (const [n, k] of pieces) {
        if (k === 'z') h.zeros(n);
        else h.data(Buffer.from(image.subarray(at, at + n)));
        at += n;
      }
      expect(await h.digest()).toBe(treeOf(image));
    }
  });
});

describe('StreamSha256', () => {
  it('is the plain sha256 of the whole stream, zeros included, from shared or copied buffers', async () => {
    const want = createHash('sha256').update(image).digest('hex');
    for (const shared of [false, true]) {
      const s = new StreamSha256(ParallelTreeHasher.workers());
      const pool = await feed(shared, [s]);
      expect(await s.digest()).toBe(want);
      expect(pool.inUse).toBe(0);
    }
  });

  it('resumes from a checkpoint as if never interrupted', async () => {
    const workers = ParallelTreeHasher.workers();
    const s = new StreamSha256(workers);
    s.data(image.subarray(0, 1_000_000));
    s.zeros(10);
    const cp = await s.checkpoint();
    s.data(Buffer.from('lost with a dropped connection'));
    s.abandon();
    const r = new StreamSha256(workers, cp);
    r.data(image.subarray(1_000_010));
    const want = createHash('sha256').update(Buffer.concat([image.subarray(0, 1_000_000), Buffer.alloc(10), image.subarray(1_000_010)])).digest('hex');
    expect(await r.digest()).toBe(want);
    StreamSha256.discard(workers, cp);
  });
});

describe('BufferPool', () => {
  it('hands out at most max slots, reuses memory, and wakes a waiter when one is released', async () => {
    const pool = new BufferPool(1024, 2);
    const a = pool.take()!;
    const b = pool.take()!;
    expect(pool.take()).toBeUndefined();
    const mem = a.buf;
    a.retain();
    a.release();
    expect(pool.inUse).toBe(2);
    const freed = pool.freed();
    a.release();
    await freed;
    const c = pool.take()!;
    expect(c.buf).toBe(mem);
    b.release();
    c.release();
    expect(pool.inUse).toBe(0);
  });
});

describe('InflightWindow.barrier', () => {
  it('resolves when the commands started before it are done, not the ones after', async () => {
    const w = new InflightWindow(100);
    const release: (() => void)[] = [];
    const cmd = () => new Promise<void>((r) => release.push(r));
    w.start(1, cmd);
    w.start(1, cmd);
    let passed = false;
    const b = w.barrier().then(() => (passed = true));
    w.start(1, cmd); // after the barrier: must not hold it
    release[1]!();
    await new Promise((r) => setTimeout(r, 5));
    expect(passed).toBe(false);
    release[0]!();
    await b;
    expect(passed).toBe(true);
    expect(w.size).toBe(1);
    release[2]!();
    await w.drain();
    await w.barrier(); // nothing in flight: at once
  });
});
