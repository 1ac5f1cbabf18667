/**
 * Digests by reading: `verifyTarget` reads the first `size` bytes of an NBD export back over fresh
 * connections, `imageDigest` reads an image file; both compute the writer's digest (digest.ts). Ranges
 * known to read as zeros (source extents; on the target, BLOCK_STATUS base:allocation NBD_STATE_ZERO,
 * which obliges the server to return zeros on READ) are hashed as zeros without being transferred.
 */
import type { TlsCredentials } from './handshake.js';
import { alignExtents, splitExtents, type SourceExtent } from './extents.js';
import { ParallelTreeHasher } from './parallel-digest.js';
import { NbdPool } from './pool.js';
import { openImageSource, type ImageFormat } from './source.js';
import type { NbdAddress } from './uri.js';

export interface VerifyOptions {
  tls?: TlsCredentials;
  timeoutMs: number;
  connections: number;
  maxInFlightBytes: number;
  requestSize: number;
  signal?: AbortSignal;
}

interface DigestReadOptions {
  size: number;
  read: (offset: number, length: number) => Promise<Buffer>;
  minimum: number;
  grid: number;
  maxInFlightBytes: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number, dataBytes: number) => void;
}

/** Reads every non-zero range in order (bounded read-ahead) and returns the digest of the whole range. */
export async function digestByReading(extents: SourceExtent[], o: DigestReadOptions): Promise<string> {
  const hasher = new ParallelTreeHasher(ParallelTreeHasher.workers());
  const queue: { unit: SourceExtent; data?: Promise<Buffer> }[] = [];
  let queued = 0;
  let dataBytes = 0;
  const units = splitExtents(alignExtents(extents, o.size, o.minimum), o.grid, 1 << 30);
  let exhausted = false;
  for (;;) {
    o.signal?.throwIfAborted();
    // Bounded in bytes and in count (small units must not make thousands of reads, nor outrun a buffer ring).
    while (!exhausted && ((queued < o.maxInFlightBytes && queue.length < 16) || queue.length === 0)) {
      const n = units.next();
      if (n.done) {
        exhausted = true;
        break;
      }
      if (n.value.zero) queue.push({ unit: n.value });
      else {
        const p = o.read(n.value.offset, n.value.length);
        p.catch(() => undefined);
        queue.push({ unit: n.value, data: p });
        queued += n.value.length;
      }
    }
    const item = queue.shift();
    if (!item) break;
    if (item.data) {
      hasher.data(await item.data);
      queued -= item.unit.length;
      dataBytes += item.unit.length;
    } else hasher.zeros(item.unit.length);
    await hasher.settle();
    o.onProgress?.(item.unit.offset + item.unit.length, dataBytes);
  }
  return hasher.digest();
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
      size, read: (off, len) => pool.pick().read(off, len), minimum, grid: Math.max(minimum, req - (req % minimum)),
      maxInFlightBytes: o.maxInFlightBytes, ...(o.signal ? { signal: o.signal } : {}), ...(onProgress ? { onProgress } : {}),
    });
    await pool.disconnect();
    return digest;
  } finally {
    pool.close();
  }
}

/**
 * The digest of an image file's logical content (what writeImage reports and verifies). The image store
 * can compute it once per image and pass it as `expectedDigest`, so a deploy does not hash while writing.
 */
export async function imageDigest(file: string, format: ImageFormat | 'auto' = 'auto', signal?: AbortSignal): Promise<string> {
  const source = await openImageSource(file, format);
  try {
    const extents = await source.extents(signal);
    // The hasher copies each buffer at once, so a small ring of read buffers is enough.
    const ring = Array.from({ length: 24 }, () => Buffer.allocUnsafeSlow(2 * 1024 * 1024));
    let next = 0;
    return await digestByReading(extents, {
      size: source.size, read: (off, len) => source.read(off, len, source.readsInto ? { into: ring[next++ % ring.length]! } : {}), minimum: 1, grid: 2 * 1024 * 1024,
      maxInFlightBytes: 16 * 1024 * 1024, ...(signal ? { signal } : {}),
    });
  } finally {
    await source.close();
  }
}
