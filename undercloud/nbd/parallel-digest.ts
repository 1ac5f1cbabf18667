/**
 * Digests computed off the main thread.
 *
 * - ParallelTreeHasher: the writer's `sha256-tree-1m` (same value as TreeHasher in digest.ts). Each 1 MiB
 *   block that holds data is hashed in place on the calling thread on machines of 1-2 cores, and from 3
 *   cores up by WebCrypto's `subtle.digest`, which copies the bytes when called and hashes them on libuv's
 *   thread pool: blocks hash in parallel without a worker thread (a worker is a second V8 instance, ~11 MiB
 *   of RSS, which the writer's memory budget cannot afford). A block that
 *   arrives in one piece is handed over at once; a block assembled from several units keeps references to
 *   them (leases) until it is complete. All-zero blocks cost a constant. Block digests are folded into the
 *   top hash in order.
 * - StreamSha256: the plain SHA-256 of the whole logical stream, zeros included (what `sha256sum` of the
 *   raw image gives), on one dedicated worker thread (started on first use) that receives the pieces in
 *   order, shared-memory buffers in place or copies; zero runs are sent as a count and hashed there from a
 *   zero buffer. It is inherently sequential (~1 GB/s per core here, zeros cost as much as data), which is
 *   why the tree digest is the one verified by read-back.
 *
 * Memory is bounded: the number of blocks and stream messages out at once is capped (callers `settle()`).
 */
import { createHash, webcrypto, type Hash } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { HASH_BLOCK, ZERO_BLOCK_DIGEST, zeroBytes } from './digest.js';

/** A piece of a hashed stream: bytes of a shared buffer, or a run of zeros. */
export type Piece = { sab: SharedArrayBuffer; off: number; len: number } | { zeros: number };

/**
 * A lent buffer, reference counted by its owner: a hasher calls `retain` for every reference it keeps and
 * `release` once it no longer reads those bytes.
 */
export interface Lease {
  retain(): void;
  release(): void;
}

// An eval'd CommonJS worker: no separate file to locate at run time (dist/ or sources under vitest alike).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ZEROS = Buffer.alloc(${HASH_BLOCK});
const streams = new Map();
function feed(h, pieces) {
  for (const p of pieces) {
    if (p.sab) { h.update(new Uint8Array(p.sab, p.off, p.len)); continue; }
    for (let n = p.zeros; n > 0; n -= ZEROS.length) h.update(n >= ZEROS.length ? ZEROS : ZEROS.subarray(0, n));
  }
}
parentPort.on('message', (m) => {
  try {
    if (m.op === 'stream') {
      let h = streams.get(m.stream);
      if (!h) streams.set(m.stream, (h = m.from !== undefined && streams.has(m.from) ? streams.get(m.from).copy() : createHash('sha256')));
      feed(h, m.pieces);
      parentPort.postMessage({ id: m.id });
    } else if (m.op === 'end') {
      const h = streams.get(m.stream);
      streams.delete(m.stream);
      parentPort.postMessage({ id: m.id, hex: m.drop ? '' : (h ?? createHash('sha256')).digest('hex') });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.stack || e) });
  }
});`;

interface Waiting {
  resolve: (m: { digest?: Uint8Array; hex?: string }) => void;
  reject: (e: Error) => void;
}

/** A worker thread with request/response matching; it holds the process open only while it has work. */
class HashWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  constructor() {
    // CommonJS even when the process runs with --input-type=module (which workers inherit).
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')) });
    this.worker.on('message', (m: { id: number; digest?: Uint8Array; hex?: string; error?: string }) => {
      const p = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (m.error !== undefined) p?.reject(new Error(`hash worker: ${m.error}`));
      else p?.resolve(m);
    });
    this.worker.on('error', (e) => {
      for (const p of this.waiting.values()) p.reject(e);
      this.waiting.clear();
    });
    this.worker.unref();
  }

  get busy(): number {
    return this.waiting.size;
  }

  call(msg: Record<string, unknown>): Promise<{ digest?: Uint8Array; hex?: string }> {
    const id = this.nextId++;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }
}

class DigestWorkers {
  private streamWorker: HashWorker | undefined;
  private readonly free: Buffer[] = [];

  /**
   * `threadPool`: blocks hash on libuv's thread pool (WebCrypto) instead of the calling thread. On 2 cores
   * the hand-off costs more than it gains (measured: a 2 GiB read-back verified in 1.1-1.4 s with 0.8-1.0 s
   * of CPU hashing in place, 1.2-1.8 s and 1.0-1.7 s through the pool), so it is used from 3 cores up.
   */
  constructor(private readonly threadPool = os.availableParallelism() > 2) {}

  /** Blocks hash on the calling thread (synchronously): pieces can be hashed where they are. */
  get inPlace(): boolean {
    return !this.threadPool;
  }

  /** A plain block buffer to assemble a block in; back to the pool through `recycle`. */
  block(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(HASH_BLOCK);
  }

  recycle(b: Buffer): void {
    if (this.free.length < 4) this.free.push(b);
  }

  /**
   * SHA-256 of `bytes` on the thread pool. WebCrypto copies the bytes before this returns, so the caller
   * may reuse them at once; it refuses views of shared memory, which are copied here first.
   */
  hashBytes(bytes: Buffer): Promise<Buffer> {
    if (!this.threadPool) return Promise.resolve(createHash('sha256').update(bytes).digest());
    let plain = bytes;
    let scratch: Buffer | undefined;
    if (bytes.buffer instanceof SharedArrayBuffer) {
      scratch = this.block();
      plain = scratch.subarray(0, bytes.length);
      bytes.copy(plain);
    }
    const p = webcrypto.subtle.digest('SHA-256', plain);
    if (scratch) this.recycle(scratch);
    return p.then((d) => Buffer.from(d));
  }

  /** The worker that runs streams (started on first use). */
  stream(): HashWorker {
    return (this.streamWorker ??= new HashWorker());
  }
}

let sharedWorkers: DigestWorkers | undefined;

/** Where a tree digest stands, to resume from after a reconnect. */
export interface DigestState {
  top: Hash;
  /** Bytes of the unfinished block (a copy). */
  partial: Buffer;
  partialHasData: boolean;
  position: number;
}

/** A piece of an open block: a view of the caller's bytes (kept valid by a lease, or copied), or zeros. */
type BlockPiece = { buf: Buffer } | { zeros: number };

interface OpenBlock {
  pieces: BlockPiece[];
  leases: Lease[];
  /** Bytes copied because the caller lent nothing (assembled at `own.subarray(offset in block)`). */
  own: Buffer | undefined;
  fill: number;
  hasData: boolean;
}

export class ParallelTreeHasher {
  private readonly top: Hash;
  private cur: OpenBlock | undefined;
  position: number;
  /** Block digests in image order; a constant for all-zero blocks, else a pending digest. */
  private readonly queue: (Buffer | Promise<Buffer>)[] = [];
  private failure: unknown;

  constructor(private readonly workers: DigestWorkers, from?: DigestState) {
    this.top = from ? from.top.copy() : createHash('sha256');
    this.position = from?.position ?? 0;
    if (from && from.partial.length > 0) {
      const b = this.open();
      b.own = workers.block();
      from.partial.copy(b.own);
      b.pieces.push({ buf: b.own.subarray(0, from.partial.length) });
      b.fill = from.partial.length;
      b.hasData = from.partialHasData;
    }
  }

  /** The process-wide hashing resources (the stream worker starts on first use only). */
  static workers(): DigestWorkers {
    return (sharedWorkers ??= new DigestWorkers());
  }

  /** Block digests not yet folded into the top hash. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * The next bytes of the image. A block the bytes complete on their own is handed to the hash at once
   * (which copies it); bytes of a block still open are kept by reference when `lease` is given (it is
   * retained until the block is complete), else copied, so the caller may reuse `buf` when this returns.
   */
  data(buf: Buffer, lease?: Lease): void {
    let at = 0;
    while (at < buf.length) {
      const n = Math.min(HASH_BLOCK - (this.cur?.fill ?? 0), buf.length - at);
      const piece = buf.subarray(at, at + n);
      at += n;
      if (!this.cur && n === HASH_BLOCK) {
        this.push(this.workers.hashBytes(piece));
        continue;
      }
      const b = this.cur ?? this.open();
      if (lease) {
        b.pieces.push({ buf: piece });
        if (!b.leases.includes(lease)) {
          b.leases.push(lease);
          lease.retain();
        }
      } else {
        b.own ??= this.workers.block();
        const dst = b.own.subarray(b.fill, b.fill + n);
        piece.copy(dst);
        b.pieces.push({ buf: dst });
      }
      b.fill += n;
      b.hasData = true;
      if (b.fill === HASH_BLOCK) this.endBlock();
    }
    this.position += buf.length;
  }

  /** The next `length` bytes of the image are zeros. */
  zeros(length: number): void {
    let left = length;
    while (left > 0) {
      if (!this.cur && left >= HASH_BLOCK) {
        this.queue.push(ZERO_BLOCK_DIGEST);
        left -= HASH_BLOCK;
        continue;
      }
      const b = this.cur ?? this.open();
      const n = Math.min(HASH_BLOCK - b.fill, left);
      const last = b.pieces[b.pieces.length - 1];
      if (last && 'zeros' in last) last.zeros += n;
      else b.pieces.push({ zeros: n });
      b.fill += n;
      left -= n;
      if (b.fill === HASH_BLOCK) this.endBlock();
    }
    this.position += length;
  }

  /**
   * Folds finished block digests into the top hash. Waits for the hashes when more than `maxPending`
   * blocks are queued (hashing slower than sending must not pile up work), or for all of them when `all`
   * (before a checkpoint or the final digest).
   */
  async settle(all = false, maxPending = 4): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (!Buffer.isBuffer(head)) {
        if (!all && this.queue.length <= maxPending) {
          const done = await Promise.race([head, Promise.resolve(undefined)]);
          if (done === undefined) break;
        }
      }
      this.top.update(Buffer.isBuffer(head) ? head : await head);
      this.queue.shift();
    }
    if (this.failure) throw this.failure;
  }

  async checkpoint(): Promise<DigestState> {
    await this.settle(true);
    return { top: this.top.copy(), partial: this.partialBytes(), partialHasData: this.cur?.hasData ?? false, position: this.position };
  }

  async digest(): Promise<string> {
    if (this.cur && this.cur.fill > 0) this.endBlock();
    await this.settle(true);
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(BigInt(this.position));
    return this.top.update(size).digest('hex');
  }

  /** Drops an unfinished block (its leases are released); the hasher cannot be used afterwards. */
  abandon(): void {
    const b = this.cur;
    this.cur = undefined;
    if (!b) return;
    for (const l of b.leases) l.release();
    if (b.own) this.workers.recycle(b.own);
  }

  private open(): OpenBlock {
    return (this.cur = { pieces: [], leases: [], own: undefined, fill: 0, hasData: false });
  }

  private push(p: Promise<Buffer>): void {
    p.catch((e: unknown) => (this.failure ??= e));
    this.queue.push(p);
  }

  /** The open block's bytes, contiguous (into `into`, or a new buffer). */
  private partialBytes(into?: Buffer): Buffer {
    const b = this.cur;
    if (!b) return Buffer.alloc(0);
    const out = into ? into.subarray(0, b.fill) : Buffer.alloc(b.fill);
    let at = 0;
    for (const p of b.pieces) {
      if ('buf' in p) {
        if (p.buf.buffer !== out.buffer || p.buf.byteOffset !== out.byteOffset + at) p.buf.copy(out, at);
        at += p.buf.length;
      } else {
        out.fill(0, at, at + p.zeros);
        at += p.zeros;
      }
    }
    return out;
  }

  private endBlock(): void {
    const b = this.cur!;
    if (!b.hasData) {
      this.cur = undefined;
      this.queue.push(b.fill === HASH_BLOCK ? ZERO_BLOCK_DIGEST : createHash('sha256').update(zeroBytes(b.fill)).digest());
      return;
    }
    if (this.workers.inPlace) {
      // Hashed piece by piece where the pieces are: no block buffer to assemble them in, no copy.
      const h = createHash('sha256');
      for (const p of b.pieces) h.update('buf' in p ? p.buf : zeroBytes(p.zeros));
      this.queue.push(h.digest());
    } else {
      // Assembled in a block buffer (copied pieces already sit there), then copied by the hash at once.
      const scratch = b.own ?? this.workers.block();
      this.push(this.workers.hashBytes(this.partialBytes(scratch)));
      if (scratch !== b.own) this.workers.recycle(scratch);
    }
    this.cur = undefined;
    for (const l of b.leases) l.release();
    if (b.own) this.workers.recycle(b.own);
  }
}

function sharedOf(buf: Buffer): SharedArrayBuffer | undefined {
  return buf.buffer instanceof SharedArrayBuffer ? buf.buffer : undefined;
}

let streamIds = 0;

/** Where a plain SHA-256 stands (a copy of its state inside the stream worker). */
export interface StreamState {
  stream: number;
  position: number;
}

/** The plain SHA-256 of a stream of pieces, hashed in order on the stream worker. */
export class StreamSha256 {
  private readonly id = ++streamIds;
  private readonly worker: HashWorker;
  private readonly workers: DigestWorkers;
  private outstanding = 0;
  private waiters: (() => void)[] = [];
  private failure: unknown;
  private started = false;
  private ended = false;
  position: number;

  constructor(workers: DigestWorkers, private readonly from?: StreamState) {
    this.workers = workers;
    this.worker = workers.stream();
    this.position = from?.position ?? 0;
  }

  /** The next bytes (lent as for ParallelTreeHasher.data, else copied into a message). */
  data(buf: Buffer, lease?: Lease): void {
    const sab = lease ? sharedOf(buf) : undefined;
    if (sab && lease) {
      lease.retain();
      this.send([{ sab, off: buf.byteOffset, len: buf.length }], () => lease.release());
    } else {
      const copy = new SharedArrayBuffer(buf.length);
      buf.copy(Buffer.from(copy));
      this.send([{ sab: copy, off: 0, len: buf.length }]);
    }
    this.position += buf.length;
  }

  zeros(length: number): void {
    if (length > 0) this.send([{ zeros: length }]);
    this.position += length;
  }

  /** Messages the worker has not answered yet. */
  get pending(): number {
    return this.outstanding;
  }

  /** Waits while more than `maxPending` messages are out (memory stays bounded when hashing lags). */
  async settle(maxPending = 64): Promise<void> {
    while (this.outstanding > maxPending && !this.failure) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  /** A copy of the current state to resume from (kept in the worker until `discard`). */
  async checkpoint(): Promise<StreamState> {
    const copy = new StreamSha256(this.workers, { stream: this.id, position: this.position });
    copy.touch();
    await copy.settle(0);
    await this.settle(64);
    return { stream: copy.id, position: this.position };
  }

  async digest(): Promise<string> {
    this.touch();
    this.ended = true;
    const r = await this.worker.call({ op: 'end', stream: this.id });
    if (this.failure) throw this.failure;
    return r.hex!;
  }

  /** Forgets a stream's state in the worker (an abandoned pass, or a checkpoint no longer needed). */
  static discard(workers: DigestWorkers, state: StreamState | undefined): void {
    if (state) void workers.stream().call({ op: 'end', stream: state.stream, drop: true }).catch(() => undefined);
  }

  abandon(): void {
    if (!this.ended) {
      this.ended = true;
      void this.worker.call({ op: 'end', stream: this.id, drop: true }).catch(() => undefined);
    }
  }

  private touch(): void {
    if (!this.started) this.send([]);
  }

  private send(pieces: Piece[], done?: () => void): void {
    const msg: Record<string, unknown> = { op: 'stream', stream: this.id, pieces };
    // The first message creates the stream in the worker, from a checkpoint's copy when resuming.
    if (!this.started && this.from) msg.from = this.from.stream;
    this.started = true;
    this.outstanding++;
    const settled = () => {
      this.outstanding--;
      done?.();
      const w = this.waiters;
      this.waiters = [];
      for (const r of w) r();
    };
    this.worker.call(msg).then(settled, (e: unknown) => {
      this.failure ??= e;
      settled();
    });
  }
}

/** Hashing resources with an explicit choice of where blocks hash (tests; `ParallelTreeHasher.workers()` picks by core count). */
export function digestWorkers(opts: { threadPool: boolean }): DigestWorkers {
  return new DigestWorkers(opts.threadPool);
}

export type { DigestWorkers };
