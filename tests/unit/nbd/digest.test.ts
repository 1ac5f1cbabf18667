import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HASH_BLOCK, TreeHasher, isAllZero } from '../../../undercloud/nbd/digest.js';
import { ParallelTreeHasher } from '../../../undercloud/nbd/parallel-digest.js';

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** The definition, spelled out: sha256 over each 1 MiB block's sha256, then the size as a u64. */
function reference(image: Buffer): string {
  const top = createHash('sha256');
  for (let at = 0; at < image.length; at += HASH_BLOCK) top.update(createHash('sha256').update(image.subarray(at, at + HASH_BLOCK)).digest());
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(image.length));
  return top.update(size).digest('hex');
}

// An image of data and zero pieces that start and end mid-block.
const pieces: [number, 'd' | 'z'][] = [[300_000, 'd'], [2 * HASH_BLOCK + 5, 'z'], [HASH_BLOCK, 'd'], [777, 'z'], [3 * HASH_BLOCK, 'z'], [12345, 'd']];
const image = Buffer.concat(pieces.map(([n, k], i) => (k === 'd' ? pattern(n, i) : Buffer.alloc(n))));

describe('TreeHasher', () => {
  it('matches the definition whether zeros come as data or as zero ranges, in any piece sizes', () => {
    const a = new TreeHasher();
    let at = 0;
    for (const [n, k] of pieces) {
      if (k === 'd') a.data(image.subarray(at, at + n));
      else a.zeros(n);
      at += n;
    }
    const b = new TreeHasher();
    for (let off = 0; off < image.length; off += 65_537) b.data(image.subarray(off, off + 65_537));
    expect(a.digest()).toBe(reference(image));
    expect(b.digest()).toBe(reference(image));
  });

  it('changes when one byte changes or the size changes', () => {
    const h = (buf: Buffer) => {
      const t = new TreeHasher();
      t.data(buf);
      return t.digest();
    };
    const c = Buffer.from(image);
    c[HASH_BLOCK * 2 + 17] ^= 1;
    expect(h(c)).not.toBe(reference(image));
    expect(h(Buffer.concat([image, Buffer.alloc(1)]))).not.toBe(reference(image));
  });

  it('resumes from a clone as if never interrupted', () => {
    const t = new TreeHasher();
    t.data(image.subarray(0, 1_500_000));
    const saved = t.clone();
    t.data(Buffer.alloc(10)); // work lost with a dropped connection
    saved.data(image.subarray(1_500_000));
    expect(saved.digest()).toBe(reference(image));
  });

  it('detects all-zero buffers', () => {
    expect(isAllZero(Buffer.alloc(3 * HASH_BLOCK + 3))).toBe(true);
    const b = Buffer.alloc(2 * HASH_BLOCK);
    b[HASH_BLOCK + 5] = 1;
    expect(isAllZero(b)).toBe(false);
  });
});

describe('ParallelTreeHasher', () => {
  it('gives the same digest as TreeHasher, and resumes from a checkpoint', async () => {
    const p = new ParallelTreeHasher(ParallelTreeHasher.workers());
    let at = 0;
    let cp: Awaited<ReturnType<ParallelTreeHasher['checkpoint']>> | undefined;
    let cpAt = 0;
    for (const [n, k] of pieces) {
      if (k === 'd') p.data(image.subarray(at, at + n));
      else p.zeros(n);
      at += n;
      await p.settle();
      if (at > 2 * HASH_BLOCK && !cp) {
        cp = await p.checkpoint();
        cpAt = at;
      }
    }
    expect(await p.digest()).toBe(reference(image));
    const r = new ParallelTreeHasher(ParallelTreeHasher.workers(), cp);
    r.data(image.subarray(cpAt));
    expect(await r.digest()).toBe(reference(image));
  });
});
