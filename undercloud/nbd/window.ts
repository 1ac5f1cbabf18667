/**
 * Backpressure for pipelined commands: `run(bytes, fn)` starts `fn` once fewer than `maxBytes` are in
 * flight (so memory stays bounded whatever the image size) and returns as soon as it has started. The
 * first failure is kept; later `run`/`drain` calls throw it, so the writer stops at the first error.
 * Waiting costs O(1) per command (a completion wakes the one waiter), not a race over everything in flight.
 */
export class InflightWindow {
  private inflight = 0;
  private count = 0;
  private error: unknown;
  private failed = false;
  /** Woken when a command completes (or fails). */
  private wake: (() => void) | undefined;
  private seq = 0;
  /** Sequence numbers of commands not yet completed, oldest first (a Set keeps insertion order). */
  private readonly incomplete = new Set<number>();
  private barriers: { upTo: number; resolve: () => void }[] = [];

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.inflight;
  }

  /** Commands in flight. */
  get size(): number {
    return this.count;
  }

  /** True when `bytes` more could start now without waiting. */
  fits(bytes: number): boolean {
    return this.count === 0 || this.inflight + bytes <= this.maxBytes;
  }

  async run(bytes: number, fn: () => Promise<void>): Promise<void> {
    while (!this.failed && !this.fits(bytes)) await this.completion();
    if (this.failed) throw this.error;
    this.start(bytes, fn);
  }

  /** Starts `fn` without waiting for room (the caller checked `fits`); failures are kept as in `run`. */
  start(bytes: number, fn: () => Promise<void>): void {
    if (this.failed) throw this.error;
    this.inflight += bytes;
    this.count++;
    const id = this.seq++;
    this.incomplete.add(id);
    let p: Promise<void>;
    try {
      p = fn();
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      () => this.done(bytes, id),
      (err: unknown) => {
        if (!this.failed) {
          this.failed = true;
          this.error = err;
        }
        this.done(bytes, id);
      },
    );
  }

  /** Waits for everything started; throws the first failure. */
  async drain(): Promise<void> {
    while (this.count > 0) await this.completion();
    if (this.failed) throw this.error;
  }

  /**
   * Resolves once every command started before this call has completed (succeeded or failed), while later
   * ones may still be in flight: a FLUSH sent then covers exactly those writes, without draining the pipe.
   */
  barrier(): Promise<void> {
    return new Promise<void>((resolve) => {
      const upTo = this.seq;
      if (this.oldest() >= upTo) resolve();
      else this.barriers.push({ upTo, resolve });
    });
  }

  private oldest(): number {
    const first = this.incomplete.values().next();
    return first.done ? Infinity : first.value;
  }

  /** Resolves at the next completion. */
  completion(): Promise<void> {
    return new Promise<void>((resolve) => {
      const prev = this.wake;
      this.wake = prev ? () => (prev(), resolve()) : resolve;
    });
  }

  private done(bytes: number, id: number): void {
    this.inflight -= bytes;
    this.count--;
    this.incomplete.delete(id);
    if (this.barriers.length > 0) {
      const oldest = this.oldest();
      const ready = this.barriers.filter((b) => oldest >= b.upTo);
      if (ready.length > 0) {
        this.barriers = this.barriers.filter((b) => oldest < b.upTo);
        for (const b of ready) b.resolve();
      }
    }
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
