/**
 * The digest of what the writer wrote: SHA-256 over the SHA-256 of each 1 MiB block of the image, then
 * the image size ("sha256-tree-1m"). A block tree rather than one flat SHA-256 because a flat hash must
 * push every zero byte of a sparse image through the hash function (2 GiB at ~0.9 GB/s on this class of
 * CPU, longer than the whole write), while here an all-zero block costs one constant. It still covers
 * every byte, so a read-back that yields the same digest proves the target holds the image.
 */
import { createHash, type Hash } from 'node:crypto';

export const DIGEST_ALGORITHM = 'sha256-tree-1m';
export const HASH_BLOCK = 1024 * 1024;
const ZEROS = Buffer.alloc(HASH_BLOCK);
export const ZERO_BLOCK_DIGEST = createHash('sha256').update(ZEROS).digest();

/** `n` (at most HASH_BLOCK) zero bytes, to hash; a view of one shared zero block: never write to it. */
export function zeroBytes(n: number): Buffer {
  return ZEROS.subarray(0, n);
}

/** True when every byte of `buf` is zero (memcmp against a zero page, so fast). */
export function isAllZero(buf: Buffer): boolean {
  for (let at = 0; at < buf.length; at += HASH_BLOCK) {
    const n = Math.min(HASH_BLOCK, buf.length - at);
    if (!buf.subarray(at, at + n).equals(ZEROS.subarray(0, n))) return false;
  }
  return true;
}

export class TreeHasher {
  private top: Hash;
  private cur: Hash | undefined;
  private fill: number;
  /** Bytes hashed so far (the image offset the next byte belongs to). */
  position: number;

  constructor(from?: TreeHasher) {
    this.top = from ? from.top.copy() : createHash('sha256');
    this.cur = from?.cur?.copy();
    this.fill = from?.fill ?? 0;
    this.position = from?.position ?? 0;
  }

  /** A copy to resume from (the writer keeps one per flushed checkpoint). */
  clone(): TreeHasher {
    return new TreeHasher(this);
  }

  /** The next bytes of the image. */
  data(buf: Buffer, knownZero = false): void {
    let at = 0;
    while (at < buf.length) {
      if (this.fill === 0 && buf.length - at >= HASH_BLOCK) {
        const block = buf.subarray(at, at + HASH_BLOCK);
        this.top.update(knownZero || block.equals(ZEROS) ? ZERO_BLOCK_DIGEST : createHash('sha256').update(block).digest());
        at += HASH_BLOCK;
        continue;
      }
      const n = Math.min(HASH_BLOCK - this.fill, buf.length - at);
      this.partial(buf.subarray(at, at + n));
      at += n;
    }
    this.position += buf.length;
  }

  /** The next `length` bytes of the image are zeros. */
  zeros(length: number): void {
    let left = length;
    if (this.fill > 0) {
      const n = Math.min(HASH_BLOCK - this.fill, left);
      this.partial(ZEROS.subarray(0, n));
      left -= n;
    }
    while (left >= HASH_BLOCK) {
      this.top.update(ZERO_BLOCK_DIGEST);
      left -= HASH_BLOCK;
    }
    if (left > 0) this.partial(ZEROS.subarray(0, left));
    this.position += length;
  }

  /** Finishes and returns the hex digest (the hasher cannot be used afterwards). */
  digest(): string {
    if (this.fill > 0) this.top.update(this.cur!.digest());
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(BigInt(this.position));
    return this.top.update(size).digest('hex');
  }

  private partial(piece: Buffer): void {
    // Bytes of a block that arrives in pieces are hashed as they come, so a block never has to be buffered.
    this.cur ??= createHash('sha256');
    this.cur.update(piece);
    this.fill += piece.length;
    if (this.fill === HASH_BLOCK) {
      this.top.update(this.cur.digest());
      this.cur = undefined;
      this.fill = 0;
    }
  }
}
