/**
 * The writer's digest (same value as TreeHasher in digest.ts) computed off the main thread: each 1 MiB
 * block that holds data is hashed by a worker thread, reading the bytes in place through a
 * SharedArrayBuffer, while the main thread keeps sending. Measured on 2 cores, hashing on the main thread
 * took about a third of a 2 GiB write; in a worker it overlaps the socket I/O. Blocks that are all zeros
 * never reach a worker (their digest is a constant). Results are folded into the top hash in order.
 */
import { createHash, type Hash } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { HASH_BLOCK, ZERO_BLOCK_DIGEST } from './digest.js';

type Piece = { zero: number } | { sab: SharedArrayBuffer; off: number; len: number };

// An eval'd CommonJS worker: no separate file to locate at run time (dist/ or sources under vitest alike).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ZEROS = Buffer.alloc(${HASH_BLOCK});
parentPort.on('message', (m) => {
  const h = createHash('sha256');
  for (const p of m.pieces) h.update(p.sab ? new Uint8Array(p.sab, p.off, p.len) : ZEROS.subarray(0, p.zero));
  parentPort.postMessage({ id: m.id, digest: h.digest() });
});`;

class DigestWorkers {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (d: Buffer) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  constructor(count: number) {
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.on('message', (m: { id: number; digest: Uint8Array }) => {
        const p = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (this.waiting.size === 0) for (const x of this.workers) x.unref();
        p?.resolve(Buffer.from(m.digest));
      });
      w.on('error', (e) => {
        for (const p of this.waiting.values()) p.reject(e);
        this.waiting.clear();
      });
      w.unref();
      return w;
    });
  }
  hash(pieces: Piece[]): Promise<Buffer> {
    const id = this.nextId++;
    // Workers hold the process open only while they have work (they are shared and never terminated).
    if (this.waiting.size === 0) for (const x of this.workers) x.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({ id, pieces });
    });
  }
}

let sharedWorkers: DigestWorkers | undefined;

/** A view of `buf` that lives in shared memory (the bytes are copied only if they are not already). */
export function shared(buf: Buffer): { sab: SharedArrayBuffer; off: number; len: number } {
  if (buf.buffer instanceof SharedArrayBuffer) return { sab: buf.buffer, off: buf.byteOffset, len: buf.length };
  const sab = new SharedArrayBuffer(buf.length);
  buf.copy(Buffer.from(sab));
  return { sab, off: 0, len: buf.length };
}

/** A Buffer backed by shared memory, for sources to read into. */
export function allocShared(length: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(length));
}

export interface DigestState {
  top: Hash;
  pieces: Piece[];
  fill: number;
  position: number;
}

export class ParallelTreeHasher {
  private readonly top: Hash;
  private pieces: Piece[];
  private fill: number;
  private hasData: boolean;
  position: number;
  /** Block digests in image order; a constant for all-zero blocks, else a worker's promise. */
  private readonly queue: (Buffer | Promise<Buffer>)[] = [];
  private failure: unknown;

  constructor(private readonly workers: DigestWorkers, from?: DigestState) {
    this.top = from ? from.top.copy() : createHash('sha256');
    this.pieces = from ? [...from.pieces] : [];
    this.fill = from?.fill ?? 0;
    this.hasData = this.pieces.some((p) => 'sab' in p);
    this.position = from?.position ?? 0;
  }

  /** The process-wide worker pool, started on first use (starting a worker costs ~50-300 ms). */
  static workers(): DigestWorkers {
    return (sharedWorkers ??= new DigestWorkers(Math.max(1, Math.min(4, os.availableParallelism() - 1))));
  }

  data(buf: Buffer): void {
    const s = shared(buf);
    this.add({ sab: s.sab, off: s.off, len: s.len }, s.len, false);
  }

  zeros(length: number): void {
    this.add({ zero: length }, length, true);
  }

  /**
   * Folds finished block digests into the top hash. Waits for the workers when more than `maxPending`
   * blocks are queued (so shared buffers cannot pile up when hashing is slower than sending), or for all
   * of them when `all` (before a checkpoint or the final digest).
   */
  async settle(all = false, maxPending = 32): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (!Buffer.isBuffer(head) && !all && this.queue.length <= maxPending) {
        const done = await Promise.race([head, Promise.resolve(undefined)]);
        if (done === undefined) break;
      }
      this.top.update(await head);
      this.queue.shift();
    }
    if (this.failure) throw this.failure;
  }

  /** The state after every queued block, to resume from after a reconnect. */
  async checkpoint(): Promise<DigestState> {
    await this.settle(true);
    return { top: this.top.copy(), pieces: [...this.pieces], fill: this.fill, position: this.position };
  }

  async digest(): Promise<string> {
    if (this.fill > 0) this.endBlock();
    await this.settle(true);
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(BigInt(this.position));
    return this.top.update(size).digest('hex');
  }

  private add(piece: Piece, length: number, zero: boolean): void {
    let left = length;
    let off = 'sab' in piece ? piece.off : 0;
    while (left > 0) {
      const n = Math.min(HASH_BLOCK - this.fill, left);
      if (this.fill === 0 && n === HASH_BLOCK && zero) {
        this.queue.push(ZERO_BLOCK_DIGEST);
      } else {
        this.pieces.push('sab' in piece ? { sab: piece.sab, off, len: n } : { zero: n });
        this.hasData ||= !zero;
        this.fill += n;
        if (this.fill === HASH_BLOCK) this.endBlock();
      }
      left -= n;
      off += n;
    }
    this.position += length;
  }

  private endBlock(): void {
    if (!this.hasData && this.fill === HASH_BLOCK) this.queue.push(ZERO_BLOCK_DIGEST);
    else if (!this.hasData) this.queue.push(createHash('sha256').update(Buffer.alloc(this.fill)).digest());
    else {
      const p = this.workers.hash(this.pieces);
      p.catch((e: unknown) => (this.failure ??= e));
      this.queue.push(p);
    }
    this.pieces = [];
    this.fill = 0;
    this.hasData = false;
  }
}

export type { DigestWorkers };
