/**
 * The writer's read buffers: a fixed number of equal slots, reused for the whole write, so memory is
 * bounded by `max × size` whatever the image size and no page is faulted in twice. With `shared` they are
 * SharedArrayBuffers, which the plain-SHA-256 worker reads in place (parallel-digest.ts). A slot is
 * reference counted: the read/write path holds one reference, each hasher that still reads the bytes holds
 * one more, and the slot is free again when the last one is released.
 */
import type { Lease } from './parallel-digest.js';

export class PooledBuffer implements Lease {
  private refs = 1;
  constructor(private readonly pool: BufferPool, private buffer: Buffer | undefined) {}

  /** The slot's memory (allocated on first use; sources that cannot read into it never touch it). */
  get buf(): Buffer {
    return (this.buffer ??= this.pool.allocate());
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) this.pool.giveBack(this.buffer);
    else if (this.refs < 0) throw new Error('PooledBuffer released too often');
  }
}

/**
 * Plain buffers left by finished pools, by size, for the next pool of the same size (the verification
 * after a write, the next write): their memory is reused instead of waiting for GC to return it. Capped.
 */
const spare = new Map<number, Buffer[]>();
const SPARE_BYTES = 16 * 1024 * 1024;
let spareBytes = 0;

export class BufferPool {
  private readonly free: Buffer[] = [];
  private taken = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly size: number, readonly max: number, readonly shared = false) {}

  /** Hands the free buffers over to the next pool of this size; the pool must not be used afterwards. */
  dispose(): void {
    if (this.shared) return;
    const list = spare.get(this.size) ?? [];
    for (const b of this.free.splice(0)) {
      if (spareBytes + this.size > SPARE_BYTES) break;
      list.push(b);
      spareBytes += this.size;
    }
    spare.set(this.size, list);
  }

  /** Slots in use. */
  get inUse(): number {
    return this.taken;
  }

  /** A slot, or undefined when all `max` are in use (wait with `freed()`). */
  take(): PooledBuffer | undefined {
    if (this.taken >= this.max) return undefined;
    this.taken++;
    return new PooledBuffer(this, this.free.pop());
  }

  /** Resolves when a slot is given back. */
  freed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** @internal */
  allocate(): Buffer {
    if (this.shared) return Buffer.from(new SharedArrayBuffer(this.size));
    const reused = spare.get(this.size)?.pop();
    if (reused) {
      spareBytes -= this.size;
      return reused;
    }
    return Buffer.allocUnsafeSlow(this.size);
  }

  /** @internal */
  giveBack(buffer: Buffer | undefined): void {
    this.taken--;
    if (buffer) this.free.push(buffer);
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
