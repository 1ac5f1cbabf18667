/**
 * Backpressure for pipelined commands: `run(bytes, fn)` starts `fn` once fewer than `maxBytes` are in
 * flight (so memory stays bounded whatever the image size) and returns as soon as it has started. The
 * first failure is kept; later `run`/`drain` calls throw it, so the writer stops at the first error.
 */
export class InflightWindow {
  private inflight = 0;
  private readonly running = new Set<Promise<void>>();
  private error: unknown;
  private failed = false;

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.inflight;
  }

  async run(bytes: number, fn: () => Promise<void>): Promise<void> {
    while (!this.failed && this.inflight > 0 && this.inflight + bytes > this.maxBytes) await Promise.race(this.running);
    if (this.failed) throw this.error;
    this.inflight += bytes;
    const p: Promise<void> = fn().then(
      () => {
        this.inflight -= bytes;
        this.running.delete(p);
      },
      (err: unknown) => {
        this.inflight -= bytes;
        this.running.delete(p);
        if (!this.failed) {
          this.failed = true;
          this.error = err;
        }
      },
    );
    this.running.add(p);
  }

  /** Waits for everything started; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    if (this.failed) throw this.error;
  }
}
