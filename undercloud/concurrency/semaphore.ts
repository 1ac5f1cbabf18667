/**
 * A FIFO counting semaphore with AbortSignal-aware waiting. Used for the agent hub's fan-out backpressure
 * (steps in flight over all nodes) and the conductor's deploy cap (max_concurrent_deploy).
 */
export class Semaphore {
  private available: number;
  private readonly waiting: { grant: () => void; signal: AbortSignal | undefined; onAbort: () => void }[] = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError('semaphore size must be at least 1');
    this.available = size;
  }

  get inUse(): number {
    return this.size - this.available;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with the release function once a slot is free; rejects when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const release = once(() => this.release());
    if (this.available > 0 && this.waiting.length === 0) {
      this.available--;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const entry = {
        signal,
        grant: () => {
          signal?.removeEventListener('abort', entry.onAbort);
          resolve(release);
        },
        onAbort: () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        },
      };
      if (signal?.aborted) return entry.onAbort();
      signal?.addEventListener('abort', entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.available++;
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
