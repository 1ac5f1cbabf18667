/**
 * Exact-length reads from a byte stream: `read(n)` resolves with exactly n bytes or rejects when the peer
 * closes, errors, or (when a timeout is given) stays silent too long. The handshake and the reply loop
 * read through this; it can be moved from the plain socket to the TLS socket after STARTTLS.
 *
 * `readInto(buf)` fills the caller's buffer: bytes that arrive while it waits are copied straight there.
 * Plain sockets feed the reader through `pushBorrowed` from one reused receive buffer (net's `onread`),
 * so reading READ replies allocates nothing per socket read (Node's default allocates a fresh buffer for
 * every read: a read-back of gigabytes piles up garbage faster than GC reclaims it, ~+40 MiB of RSS).
 * Borrowed bytes nobody waits for yet stay where they are: the socket is paused until they are read.
 */
import type { Duplex } from 'node:stream';
import { NbdDisconnectedError, NbdTimeoutError } from './errors.js';

interface Waiter {
  n: number;
  into: Buffer | undefined;
  /** Bytes already copied into `into`. */
  got: number;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Unread bytes still in the socket's receive buffer (valid while the socket is paused). */
  private tail: Buffer | undefined;
  /** The socket was paused to keep `tail` valid; resume it once the tail is read. */
  private paused = false;
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
    return this.pending;
  }

  /** Bytes received and not yet read. */
  get pending(): number {
    return this.buffered + (this.tail?.length ?? 0);
  }

  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    // Borrowed bytes become invalid once the socket goes on: keep a copy (a test may still read them).
    this.keepTail();
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(err);
    }
  }

  read(n: number, timeoutMs?: number, what = 'data'): Promise<Buffer> {
    return this.readTo(n, undefined, timeoutMs, what);
  }

  /** Reads exactly `into.length` bytes into `into` (one copy from the socket's bytes, no new buffer). */
  readInto(into: Buffer, timeoutMs?: number, what = 'data'): Promise<Buffer> {
    return this.readTo(into.length, into, timeoutMs, what);
  }

  /**
   * Bytes from the socket's receive buffer, reused once this returns. What a waiting read needs is copied
   * to it; the rest is left in place and `false` (pause the socket) returned until it has been read.
   */
  pushBorrowed(d: Buffer): boolean {
    if (this.failure) return true;
    if (this.tail) this.keepTail(); // cannot happen while paused; be safe
    this.tail = d;
    this.serve();
    if (this.tail) {
      this.paused = true;
      return false;
    }
    return true;
  }

  private readTo(n: number, into: Buffer | undefined, timeoutMs: number | undefined, what: string): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('ByteReader: concurrent read'));
    if (this.failure && this.pending < n) return Promise.reject(this.failure);
    let resolved: Buffer | undefined;
    let rejected: unknown;
    const w: Waiter = { n, into, got: 0, resolve: (b) => (resolved = b), reject: (e) => (rejected = e), timer: undefined };
    this.waiter = w;
    this.serve();
    if (resolved) return Promise.resolve(resolved);
    if (rejected) return Promise.reject(rejected as Error);
    return new Promise<Buffer>((resolve, reject) => {
      w.resolve = resolve;
      w.reject = reject;
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          if (this.waiter !== w) return;
          this.waiter = undefined;
          reject(new NbdTimeoutError(`no ${what} from the server within ${timeoutMs} ms (got ${w.into ? w.got : this.buffered} of ${n} bytes)`));
        }, timeoutMs);
      }
    });
  }

  private push(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    this.serve();
  }

  /** Gives the waiting read what is here (chunks first, then the borrowed tail); resumes a paused socket once the tail is read. */
  private serve(): void {
    const w = this.waiter;
    if (w) {
      if (w.into) {
        if (this.buffered > 0) {
          const k = Math.min(this.buffered, w.n - w.got);
          this.take(k, w.into.subarray(w.got, w.got + k));
          w.got += k;
        }
        if (this.tail && w.got < w.n) {
          const k = Math.min(this.tail.length, w.n - w.got);
          this.tail.copy(w.into, w.got, 0, k);
          this.tail = this.tail.subarray(k);
          w.got += k;
        }
        if (w.got === w.n) this.settle(w, w.into.subarray(0, w.n));
      } else {
        if (this.tail && this.buffered < w.n) {
          // A small read (a reply header): copy just what it needs out of the receive buffer.
          const k = Math.min(this.tail.length, w.n - this.buffered);
          this.chunks.push(Buffer.from(this.tail.subarray(0, k)));
          this.buffered += k;
          this.tail = this.tail.subarray(k);
        }
        if (this.buffered >= w.n) this.settle(w, this.take(w.n));
      }
    }
    if (this.tail && this.tail.length === 0) this.tail = undefined;
    if (!this.tail && this.paused) {
      this.paused = false;
      this.stream?.resume();
    }
  }

  private settle(w: Waiter, b: Buffer): void {
    this.waiter = undefined;
    if (w.timer) clearTimeout(w.timer);
    w.resolve(b);
  }

  /** Copies the borrowed tail into an owned chunk (the receive buffer is about to be reused). */
  private keepTail(): void {
    if (this.tail && this.tail.length > 0) {
      this.chunks.push(Buffer.from(this.tail));
      this.buffered += this.tail.length;
    }
    this.tail = undefined;
    this.paused = false;
  }

  private take(n: number, into?: Buffer): Buffer {
    const first = this.chunks[0];
    if (!into && first !== undefined && first.length >= n) {
      // The common case: the bytes sit in one chunk, so hand out a view instead of copying.
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = into ?? Buffer.allocUnsafe(n);
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
