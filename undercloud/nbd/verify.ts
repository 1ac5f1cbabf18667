/**
 * Digests by reading: `verifyTarget` reads the first `size` bytes of an NBD export back over fresh
 * connections, `imageDigest` reads an image file; both compute the writer's digest (`sha256-tree-1m`,
 * digest.ts) or, on request, the plain SHA-256 of the logical content. Ranges known to read as zeros
 * (source extents; on the target, BLOCK_STATUS base:allocation NBD_STATE_ZERO, which obliges the server to
 * return zeros on READ) are hashed as zeros without being transferred. Reads land in a fixed pool of
 * shared-memory buffers that the hash workers read in place.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { BufferPool, type PooledBuffer } from './buffers.js';
import { DIGEST_ALGORITHM, isAllZero } from './digest.js';
import type { TlsCredentials } from './handshake.js';
import { alignExtents, splitExtents, type SourceExtent } from './extents.js';
import { ParallelTreeHasher, StreamSha256 } from './parallel-digest.js';
import { NbdPool } from './pool.js';
import { detectFormat, openImageSource, RawFileSource, type ImageFormat, type OpenSourceOptions } from './source.js';
import type { NbdAddress } from './uri.js';

/** `sha256-tree-1m` (the writer's digest) or `sha256` (plain SHA-256 of the logical content, zeros included). */
export type DigestAlgorithm = typeof DIGEST_ALGORITHM | 'sha256';

export interface VerifyOptions {
  tls?: TlsCredentials;
  timeoutMs: number;
  connections: number;
  maxInFlightBytes: number;
  requestSize: number;
  signal?: AbortSignal;
  /** Default sha256-tree-1m. */
  algorithm?: DigestAlgorithm;
}

interface DigestReadOptions {
  size: number;
  /** Reads into `into` when given (and returns it or a view of it). */
  read: (offset: number, length: number, into: Buffer) => Promise<Buffer>;
  minimum: number;
  grid: number;
  maxInFlightBytes: number;
  algorithm?: DigestAlgorithm;
  signal?: AbortSignal;
  onProgress?: (bytes: number, dataBytes: number) => void;
}

interface Sink {
  data(buf: Buffer, lease?: PooledBuffer): void;
  zeros(length: number): void;
  readonly pending: number;
  settle(): Promise<void>;
  digest(): Promise<string>;
  abandon(): void;
}

function sink(algorithm: DigestAlgorithm): Sink {
  const workers = ParallelTreeHasher.workers();
  return algorithm === 'sha256' ? new StreamSha256(workers) : new ParallelTreeHasher(workers);
}

/** Reads every non-zero range in order (bounded read-ahead) and returns the digest of the whole range. */
export async function digestByReading(extents: SourceExtent[], o: DigestReadOptions): Promise<string> {
  return (await digestsByReading(extents, o, [o.algorithm ?? DIGEST_ALGORITHM]))[0]!;
}

/** Like digestByReading, with several algorithms in one pass over the data. */
export async function digestsByReading(extents: SourceExtent[], o: DigestReadOptions, algorithms: DigestAlgorithm[]): Promise<string[]> {
  const hashers = algorithms.map(sink);
  const slots = new BufferPool(o.grid, Math.max(2, Math.ceil(o.maxInFlightBytes / o.grid)) + Math.ceil((1 << 20) / o.grid) + 1, algorithms.includes('sha256'));
  const queue: { unit: SourceExtent; slot?: PooledBuffer; data?: Promise<Buffer> }[] = [];
  let dataBytes = 0;
  let reading = 0;
  const maxReading = Math.max(2, Math.ceil(o.maxInFlightBytes / o.grid));
  const units = splitExtents(alignExtents(extents, o.size, o.minimum), o.grid, 1 << 30);
  let next: SourceExtent | undefined;
  let exhausted = false;
  const peek = () => {
    if (next === undefined && !exhausted) {
      const n = units.next();
      if (n.done) exhausted = true;
      else next = n.value;
    }
    return next;
  };
  let ok = false;
  try {
    for (;;) {
      o.signal?.throwIfAborted();
      // Bounded in reads out and in buffers (a hasher may still hold some), and in count.
      for (let u = peek(); u && queue.length < 64; u = peek()) {
        if (u.zero) queue.push({ unit: u });
        else {
          if (reading >= maxReading) break;
          const slot = slots.take();
          if (!slot) break;
          const p = o.read(u.offset, u.length, slot.buf);
          p.catch(() => undefined);
          queue.push({ unit: u, slot, data: p });
          reading++;
        }
        next = undefined;
      }
      const item = queue.shift();
      if (!item) {
        if (exhausted && next === undefined) break;
        await slots.freed();
        continue;
      }
      if (item.data) {
        const slot = item.slot!;
        let buf: Buffer;
        try {
          buf = await item.data;
        } catch (err) {
          slot.release();
          throw err;
        } finally {
          reading--;
        }
        // The hashers keep a reference to the slot while they need its bytes. Zero blocks found by content
        // cost the tree hasher a constant and the stream hasher no transfer.
        const lease = buf.buffer === slot.buf.buffer ? slot : undefined;
        if (isAllZero(buf)) for (const h of hashers) h.zeros(buf.length);
        else for (const h of hashers) h.data(buf, lease);
        slot.release();
        dataBytes += item.unit.length;
      } else for (const h of hashers) h.zeros(item.unit.length);
      for (const h of hashers) if (h.pending > 4) await h.settle();
      o.onProgress?.(item.unit.offset + item.unit.length, dataBytes);
    }
    const d = await Promise.all(hashers.map((h) => h.digest()));
    slots.dispose();
    ok = true;
    return d;
  } finally {
    if (!ok) {
      for (const h of hashers) h.abandon();
      for (const q of queue) if (q.slot) q.data!.then(() => q.slot!.release(), () => q.slot!.release());
    }
  }
}

export async function verifyTarget(addr: NbdAddress, size: number, o: VerifyOptions, onProgress?: (bytes: number, dataBytes: number) => void): Promise<string> {
  const pool = await NbdPool.open(addr, o.connections, { ...(o.tls ? { tls: o.tls } : {}), blockStatus: true, timeoutMs: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
  try {
    const s = pool.primary;
    const { minimum, maximum } = s.info.blockSize;
    const extents: SourceExtent[] = [];
    if (s.info.metaContexts.has('base:allocation')) {
      for (let at = 0; at < size;) {
        for (const e of await s.blockStatus(at, Math.min(size - at, 1 << 30))) {
          const len = Math.min(e.length, size - e.offset);
          if (len <= 0) break;
          extents.push({ offset: e.offset, length: len, zero: e.zero });
          at = e.offset + len;
        }
      }
    } else {
      extents.push({ offset: 0, length: size, zero: false });
    }
    const req = Math.min(o.requestSize, maximum);
    const digest = await digestByReading(extents, {
      size, read: (off, len, into) => pool.pick().read(off, len, into), minimum, grid: Math.max(minimum, req - (req % minimum)),
      maxInFlightBytes: o.maxInFlightBytes, ...(o.algorithm ? { algorithm: o.algorithm } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(onProgress ? { onProgress } : {}),
    });
    await pool.disconnect();
    return digest;
  } finally {
    pool.close();
  }
}

/**
 * The digest of an image file's logical content (what writeImage reports and verifies). The image store
 * computes it once per image when it is uploaded and passes it as `expectedDigest`, so a deploy does not
 * hash while writing. `algorithm: 'sha256'` gives the plain SHA-256 of the logical content instead.
 */
export async function imageDigest(file: string, format: ImageFormat | 'auto' = 'auto', signal?: AbortSignal, opts: { algorithm?: DigestAlgorithm } & OpenSourceOptions = {}): Promise<string> {
  const source = await openImageSource(file, format, opts);
  try {
    const extents = await source.extents(signal);
    return await digestByReading(extents, {
      size: source.size, read: (off, len, into) => source.read(off, len, source.readsInto ? { into } : {}), minimum: 1, grid: 1 << 20,
      maxInFlightBytes: 8 << 20, ...(opts.algorithm ? { algorithm: opts.algorithm } : {}), ...(signal ? { signal } : {}),
    });
  } finally {
    await source.close();
  }
}

/** What the image store records per disk image file. */
export interface ImageFileDigests {
  /** Plain SHA-256 of the file as stored (what `sha256sum FILE` and the builder's `.sha256` say). */
  fileSha256: string;
  /** `sha256-tree-1m` of the logical content (the writer's read-back digest). */
  treeDigest: string;
  /** Plain SHA-256 of the logical content: equals fileSha256 for a raw file. */
  sha256: string;
}

/**
 * All three digests of an image file in as few passes as possible: a raw file is read once, sequentially
 * (its logical content is the file), with no extents and no child process; a qcow2 file is read once as a
 * file and once through its source reader.
 */
export async function imageFileDigests(file: string, format: ImageFormat | 'auto' = 'auto', signal?: AbortSignal, opts: OpenSourceOptions = {}): Promise<ImageFileDigests> {
  const f = format === 'auto' ? await detectFormat(file) : format;
  const both: DigestAlgorithm[] = [DIGEST_ALGORITHM, 'sha256'];
  const common = { minimum: 1, grid: 1 << 20, maxInFlightBytes: 8 << 20, ...(signal ? { signal } : {}) };
  if (f === 'raw') {
    // Every byte, in order, straight from the file: no extents, no child process.
    const source = await RawFileSource.open(file);
    try {
      const [treeDigest, sha256] = await digestsByReading([{ offset: 0, length: source.size, zero: false }], { ...common, size: source.size, read: (off, len, into) => source.read(off, len, { into }) }, both);
      return { fileSha256: sha256!, treeDigest: treeDigest!, sha256: sha256! };
    } finally {
      await source.close();
    }
  }
  const fileSha256 = await new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file, { highWaterMark: 4 << 20, ...(signal ? { signal } : {}) }).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
  return { fileSha256, ...(await imageLogicalDigests(file, f, signal, opts)) };
}

/**
 * The tree digest and the plain SHA-256 of an image's logical content, in one pass through its source
 * reader (a raw file, a qcow2 file, or qemu-nbd for qcow2 layouts qcow2.ts leaves to qemu).
 */
export async function imageLogicalDigests(file: string, format: ImageFormat | 'auto' = 'auto', signal?: AbortSignal, opts: OpenSourceOptions = {}): Promise<{ treeDigest: string; sha256: string }> {
  const source = await openImageSource(file, format, opts);
  try {
    const extents = await source.extents(signal);
    const read = (off: number, len: number, into: Buffer) => source.read(off, len, source.readsInto ? { into } : {});
    const [treeDigest, sha256] = await digestsByReading(extents, { minimum: 1, grid: 1 << 20, maxInFlightBytes: 8 << 20, ...(signal ? { signal } : {}), size: source.size, read }, [DIGEST_ALGORITHM, 'sha256']);
    return { treeDigest: treeDigest!, sha256: sha256! };
  } finally {
    await source.close();
  }
}
