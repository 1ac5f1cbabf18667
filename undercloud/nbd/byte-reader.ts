/**
 * Exact-length reads from a byte stream: `read(n)` resolves with exactly n bytes or rejects when the peer
 * closes, errors, or (when a timeout is given) stays silent too long. The handshake and the reply loop
 * read through this; it can be moved from the plain socket to the TLS socket after STARTTLS.
 */
import type { Duplex } from 'node:stream';
import { NbdDisconnectedError, NbdTimeoutError } from './errors.js';

interface Waiter {
  n: number;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: Waiter | undefined;
  private failure: Error | undefined;
  private stream: Duplex | undefined;
  private readonly onData = (d: Buffer) => this.push(d);
  private readonly onEnd = () => this.fail(new NbdDisconnectedError('the server closed the connection'));
  private readonly onError = (e: Error) => this.fail(new NbdDisconnectedError(`connection error: ${e.message}`, { cause: e }));

  constructor(stream?: Duplex) {
    if (stream) this.attach(stream);
  }

  attach(stream: Duplex): void {
    this.detach();
    this.stream = stream;
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  /** Stops listening (before STARTTLS hands the socket to TLS); returns bytes that were read but not consumed. */
  detach(): number {
    const s = this.stream;
    if (s) {
      s.off('data', this.onData);
      s.off('end', this.onEnd);
      s.off('close', this.onEnd);
      s.off('error', this.onError);
    }
    this.stream = undefined;
    return this.buffered;
  }

  /** Bytes received and not yet read. */
  get pending(): number {
    return this.buffered;
  }

  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(err);
    }
  }

  read(n: number, timeoutMs?: number, what = 'data'): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('ByteReader: concurrent read'));
    if (this.buffered >= n) return Promise.resolve(this.take(n));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Buffer>((resolve, reject) => {
      const w: Waiter = { n, resolve, reject, timer: undefined };
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          if (this.waiter !== w) return;
          this.waiter = undefined;
          reject(new NbdTimeoutError(`no ${what} from the server within ${timeoutMs} ms (got ${this.buffered} of ${n} bytes)`));
        }, timeoutMs);
      }
      this.waiter = w;
    });
  }

  private push(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    const w = this.waiter;
    if (w && this.buffered >= w.n) {
      this.waiter = undefined;
      if (w.timer) clearTimeout(w.timer);
      w.resolve(this.take(w.n));
    }
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      // The common case: the bytes sit in one chunk, so hand out a view instead of copying.
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
