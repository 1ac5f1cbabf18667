/**
 * The writer's digest (same value as TreeHasher in digest.ts) computed off the main thread: each 1 MiB
 * block that holds data is copied into a pooled SharedArrayBuffer block and hashed by a worker thread
 * while the main thread keeps sending. Measured on 2 cores, hashing on the main thread took about a third
 * of a 2 GiB write. Blocks that are all zeros never reach a worker (their digest is a constant). Results
 * are folded into the top hash in order. Memory is bounded: at most `maxPending` blocks are out at once and
 * block buffers are reused (fresh SharedArrayBuffers per read grew RSS to ~600 MiB on a 2 GiB image).
 */
import { createHash, type Hash } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { HASH_BLOCK, ZERO_BLOCK_DIGEST } from './digest.js';

// An eval'd CommonJS worker: no separate file to locate at run time (dist/ or sources under vitest alike).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', (m) => {
  parentPort.postMessage({ id: m.id, digest: createHash('sha256').update(new Uint8Array(m.sab, 0, m.len)).digest() });
});`;

class DigestWorkers {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (d: Buffer) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private readonly free: SharedArrayBuffer[] = [];
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

  /** A block buffer (shared memory) to fill; give it back through `hash`. */
  block(): SharedArrayBuffer {
    return this.free.pop() ?? new SharedArrayBuffer(HASH_BLOCK);
  }

  /** Hashes the first `len` bytes of `sab`, then returns the buffer to the pool. */
  hash(sab: SharedArrayBuffer, len: number): Promise<Buffer> {
    const id = this.nextId++;
    // Workers hold the process open only while they have work (they are shared and never terminated).
    if (this.waiting.size === 0) for (const x of this.workers) x.ref();
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting.set(id, {
        resolve: (d) => {
          if (this.free.length < 32) this.free.push(sab);
          resolve(d);
        },
        reject,
      });
      this.workers[id % this.workers.length]!.postMessage({ id, sab, len });
    });
  }
}

let sharedWorkers: DigestWorkers | undefined;

/** Where a digest stands, to resume from after a reconnect. */
export interface DigestState {
  top: Hash;
  /** Bytes of the unfinished block (a copy). */
  partial: Buffer;
  partialHasData: boolean;
  position: number;
}

export class ParallelTreeHasher {
  private readonly top: Hash;
  private cur: SharedArrayBuffer | undefined;
  private curView: Buffer | undefined;
  private fill: number;
  private hasData: boolean;
  position: number;
  /** Block digests in image order; a constant for all-zero blocks, else a worker's promise. */
  private readonly queue: (Buffer | Promise<Buffer>)[] = [];
  private failure: unknown;

  constructor(private readonly workers: DigestWorkers, from?: DigestState) {
    this.top = from ? from.top.copy() : createHash('sha256');
    this.fill = 0;
    this.hasData = false;
    this.position = from?.position ?? 0;
    if (from && from.partial.length > 0) {
      this.start();
      from.partial.copy(this.curView!);
      this.fill = from.partial.length;
      this.hasData = from.partialHasData;
    }
  }

  /** The process-wide worker pool, started on first use (starting a worker costs ~50-300 ms). */
  static workers(): DigestWorkers {
    return (sharedWorkers ??= new DigestWorkers(Math.max(1, Math.min(4, os.availableParallelism() - 1))));
  }

  /** The next bytes of the image (copied; the caller may reuse `buf` at once). */
  data(buf: Buffer): void {
    this.add(buf, buf.length);
  }

  /** The next `length` bytes of the image are zeros. */
  zeros(length: number): void {
    this.add(undefined, length);
  }

  /**
   * Folds finished block digests into the top hash. Waits for the workers when more than `maxPending`
   * blocks are queued (hashing slower than sending must not pile up buffers), or for all of them when
   * `all` (before a checkpoint or the final digest).
   */
  async settle(all = false, maxPending = 16): Promise<void> {
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

  async checkpoint(): Promise<DigestState> {
    await this.settle(true);
    return { top: this.top.copy(), partial: Buffer.from(this.curView?.subarray(0, this.fill) ?? Buffer.alloc(0)), partialHasData: this.hasData, position: this.position };
  }

  async digest(): Promise<string> {
    if (this.fill > 0) this.endBlock();
    await this.settle(true);
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(BigInt(this.position));
    return this.top.update(size).digest('hex');
  }

  private start(): void {
    this.cur = this.workers.block();
    this.curView = Buffer.from(this.cur);
  }

  private add(buf: Buffer | undefined, length: number): void {
    let at = 0;
    while (at < length) {
      const n = Math.min(HASH_BLOCK - this.fill, length - at);
      if (this.fill === 0 && n === HASH_BLOCK && !buf) {
        this.queue.push(ZERO_BLOCK_DIGEST);
      } else {
        if (!this.cur) this.start();
        if (buf) {
          buf.copy(this.curView!, this.fill, at, at + n);
          this.hasData = true;
        } else this.curView!.fill(0, this.fill, this.fill + n);
        this.fill += n;
        if (this.fill === HASH_BLOCK) this.endBlock();
      }
      at += n;
    }
    this.position += length;
  }

  private endBlock(): void {
    if (!this.hasData) {
      this.queue.push(this.fill === HASH_BLOCK ? ZERO_BLOCK_DIGEST : createHash('sha256').update(Buffer.alloc(this.fill)).digest());
      // the block buffer stays ours for the next block
    } else {
      const p = this.workers.hash(this.cur!, this.fill);
      p.catch((e: unknown) => (this.failure ??= e));
      this.queue.push(p);
      this.cur = undefined;
      this.curView = undefined;
    }
    this.fill = 0;
    this.hasData = false;
  }
}

export type { DigestWorkers };
