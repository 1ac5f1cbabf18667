/**
 * The transmission phase over one connection: pipelined commands with cookies, replies matched out of
 * order (simple and structured), block-size and bounds checks before anything is sent, and a watchdog:
 * while commands are outstanding the server must answer something within `timeoutMs`, or every pending
 * command fails with NbdTimeoutError and the connection is dropped.
 */
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import type { ByteReader } from './byte-reader.js';
import { BASE_ALLOCATION, Cmd, CmdFlag, ReplyFlag, ReplyType, StateFlag, TFlag, isErrorChunk } from './constants.js';
import { NbdCommandError, NbdDisconnectedError, NbdProtocolError, NbdRequestError, NbdTimeoutError } from './errors.js';
import type { ExportInfo } from './handshake.js';
import {
  SIMPLE_REPLY_SIZE, STRUCTURED_REPLY_HEADER_SIZE, decodeBlockStatus, decodeErrorChunk, decodeOffsetData,
  decodeOffsetHole, decodeSimpleReply, decodeStructuredHeader, encodeRequest, replyKind,
} from './protocol.js';

/** One extent of an export: `zero` means it reads as zeros; `hole` that it is unallocated. */
export interface Extent {
  offset: number;
  length: number;
  zero: boolean;
  hole: boolean;
}

interface Pending {
  type: number;
  offset: number;
  length: number;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  /** READ: the assembled data; BLOCK_STATUS: extents gathered so far. */
  data?: Buffer;
  /** READ: the caller's buffer to read into (data chunks land there with one copy). */
  into?: Buffer;
  /** READ into: bytes of the request covered by data and hole chunks so far. */
  covered?: number;
  extents?: Extent[];
  error?: Error;
}

export interface SessionOptions {
  /** Silence allowed while commands are outstanding before the session fails (ms). */
  timeoutMs: number;
  signal?: AbortSignal;
}

export class NbdSession {
  private readonly pending = new Map<number, Pending>();
  /** Resolved when no command is pending (disconnect waits for them). */
  private idleWaiters: (() => void)[] = [];
  private nextCookie = 1;
  private failure: Error | undefined;
  private lastProgress = Date.now();
  private readonly watchdog: NodeJS.Timeout;
  private readonly onAbort: () => void;
  /** Longest payload the reply loop accepts (so a bad length cannot make us allocate at will). */
  private readonly maxReplyPayload: number;
  readonly closed: Promise<void>;
  /** Resolved once the socket has closed (its receive buffer is then free for the next connection). */
  private readonly streamClosed: Promise<void>;

  constructor(
    private readonly stream: Socket | tls.TLSSocket,
    private readonly reader: ByteReader,
    readonly info: ExportInfo,
    private readonly opts: SessionOptions,
  ) {
    this.maxReplyPayload = info.blockSize.maximum + 1024;
    this.watchdog = setInterval(() => this.checkProgress(), Math.max(50, Math.min(1000, opts.timeoutMs / 4)));
    this.watchdog.unref();
    this.onAbort = () => this.fail(new NbdDisconnectedError(`aborted: ${String(opts.signal?.reason ?? 'signal')}`));
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.streamClosed = stream.closed ? Promise.resolve() : new Promise((resolve) => stream.once('close', () => resolve()));
    this.closed = this.replyLoop();
  }

  get size(): number {
    return this.info.size;
  }
  has(flag: number): boolean {
    return (this.info.flags & flag) !== 0;
  }
  get inFlight(): number {
    return this.pending.size;
  }
  get broken(): Error | undefined {
    return this.failure;
  }

  /** READ; with `into` (at least `length` bytes) the data lands there and the result is a view of it. */
  read(offset: number, length: number, into?: Buffer): Promise<Buffer> {
    this.check(Cmd.READ, offset, length, true);
    if (into && into.length < length) throw new NbdRequestError(`read buffer of ${into.length} bytes is shorter than ${length}`);
    return this.submit(Cmd.READ, 0, offset, length, undefined, into?.subarray(0, length)) as Promise<Buffer>;
  }

  write(offset: number, data: Buffer, fua = false): Promise<void> {
    if (this.has(TFlag.READ_ONLY)) return Promise.reject(new NbdRequestError('the export is read-only'));
    this.check(Cmd.WRITE, offset, data.length, true);
    return this.submit(Cmd.WRITE, fua ? CmdFlag.FUA : 0, offset, data.length, data) as Promise<void>;
  }

  /** WRITE_ZEROES; `fast` adds FAST_ZERO (fails with ENOTSUP instead of being slow), only when offered. */
  writeZeroes(offset: number, length: number, opts: { fast?: boolean; noHole?: boolean } = {}): Promise<void> {
    if (!this.has(TFlag.SEND_WRITE_ZEROES)) return Promise.reject(new NbdRequestError('the server does not support WRITE_ZEROES'));
    this.check(Cmd.WRITE_ZEROES, offset, length, false);
    let flags = opts.noHole ? CmdFlag.NO_HOLE : 0;
    if (opts.fast && this.has(TFlag.SEND_FAST_ZERO)) flags |= CmdFlag.FAST_ZERO;
    return this.submit(Cmd.WRITE_ZEROES, flags, offset, length) as Promise<void>;
  }

  trim(offset: number, length: number): Promise<void> {
    if (!this.has(TFlag.SEND_TRIM)) return Promise.reject(new NbdRequestError('the server does not support TRIM'));
    this.check(Cmd.TRIM, offset, length, false);
    return this.submit(Cmd.TRIM, 0, offset, length) as Promise<void>;
  }

  flush(): Promise<void> {
    if (!this.has(TFlag.SEND_FLUSH)) return Promise.resolve();
    return this.submit(Cmd.FLUSH, 0, 0, 0) as Promise<void>;
  }

  /** base:allocation extents from `offset` (the server may describe less than `length`, never nothing). */
  blockStatus(offset: number, length: number): Promise<Extent[]> {
    if (!this.info.metaContexts.has(BASE_ALLOCATION)) return Promise.reject(new NbdRequestError('base:allocation was not negotiated'));
    this.check(Cmd.BLOCK_STATUS, offset, length, false);
    return this.submit(Cmd.BLOCK_STATUS, 0, offset, Math.min(length, 0xffffffff - this.info.blockSize.minimum + 1)) as Promise<Extent[]>;
  }

  /**
   * NBD_CMD_DISC after outstanding commands finish, then close; resolves once the socket has closed, so
   * connections opened next (a write's read-back) reuse its receive buffer instead of allocating another.
   */
  async disconnect(): Promise<void> {
    while (this.pending.size > 0 && !this.failure) await new Promise<void>((r) => this.idleWaiters.push(r));
    if (!this.failure) {
      this.stream.write(encodeRequest({ flags: 0, type: Cmd.DISC, cookie: this.nextCookie++, offset: 0, length: 0 }));
      this.stream.end();
    }
    this.fail(new NbdDisconnectedError('session disconnected'));
    await this.streamClosed;
  }

  close(): void {
    this.fail(new NbdDisconnectedError('session closed'));
  }

  private check(type: number, offset: number, length: number, payload: boolean): void {
    const { minimum, maximum } = this.info.blockSize;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0) throw new NbdRequestError(`bad range ${offset}+${length}`);
    if (offset + length > this.info.size) throw new NbdRequestError(`${offset}+${length} is beyond the end of the export (${this.info.size} bytes)`);
    if (payload && length > maximum) throw new NbdRequestError(`${length} bytes exceed the server's maximum payload ${maximum}`);
    if (length > 0xffffffff) throw new NbdRequestError(`${length} bytes do not fit one request`);
    if (this.info.blockSizeAdvertised && (offset % minimum !== 0 || (length % minimum !== 0 && offset + length !== this.info.size))) {
      throw new NbdRequestError(`${offset}+${length} is not aligned to the server's minimum block size ${minimum} (command ${type})`);
    }
  }

  private submit(type: number, flags: number, offset: number, length: number, payload?: Buffer, into?: Buffer): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const cookie = this.nextCookie++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.lastProgress = Date.now();
      this.pending.set(cookie, into ? { type, offset, length, resolve, reject, into } : { type, offset, length, resolve, reject });
      const header = encodeRequest({ flags, type, cookie, offset, length });
      if (payload) {
        // One writev for header and payload; the payload is not copied (the caller keeps it until the reply).
        this.stream.cork();
        this.stream.write(header);
        this.stream.write(payload);
        process.nextTick(() => this.stream.uncork());
      } else {
        this.stream.write(header);
      }
    });
  }

  /** Removes a command that got its reply; wakes `disconnect` when nothing is pending any more. */
  private settled(cookie: number): void {
    this.pending.delete(cookie);
    if (this.pending.size === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  private checkProgress(): void {
    if (this.pending.size > 0 && Date.now() - this.lastProgress > this.opts.timeoutMs) {
      this.fail(new NbdTimeoutError(`the server did not answer ${this.pending.size} outstanding command(s) within ${this.opts.timeoutMs} ms`));
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    clearInterval(this.watchdog);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.reader.fail(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
    this.stream.destroy();
  }

  private take(cookie: number): Pending {
    const p = this.pending.get(cookie);
    if (!p) throw new NbdProtocolError(`reply with unknown cookie ${cookie}`);
    return p;
  }

  private async replyLoop(): Promise<void> {
    try {
      for (;;) {
        const magic = await this.reader.read(4);
        this.lastProgress = Date.now();
        const t = this.opts.timeoutMs;
        if (replyKind(magic.readUInt32BE(0)) === 'simple') {
          const rest = await this.reader.read(SIMPLE_REPLY_SIZE - 4, t, 'reply');
          const r = decodeSimpleReply(Buffer.concat([magic, rest]));
          const p = this.take(r.cookie);
          if (r.error !== 0) {
            this.settled(r.cookie);
            p.reject(new NbdCommandError(p.type, r.error));
          } else if (p.type === Cmd.READ) {
            if (this.info.structuredReplies) throw new NbdProtocolError('simple reply carrying data after structured replies were negotiated');
            // Still pending while its data arrives: a connection lost meanwhile must fail this READ too.
            const data = p.into ? await this.reader.readInto(p.into, t, 'read data') : await this.reader.read(p.length, t, 'read data');
            this.settled(r.cookie);
            p.resolve(data);
          } else if (p.type === Cmd.BLOCK_STATUS) {
            throw new NbdProtocolError('simple reply to BLOCK_STATUS');
          } else {
            this.settled(r.cookie);
            p.resolve(undefined);
          }
          continue;
        }
        if (!this.info.structuredReplies) throw new NbdProtocolError('structured reply without having negotiated structured replies');
        const rest = await this.reader.read(STRUCTURED_REPLY_HEADER_SIZE - 4, t, 'reply');
        const h = decodeStructuredHeader(Buffer.concat([magic, rest]));
        const p = this.take(h.cookie);
        if (h.length > this.maxReplyPayload) throw new NbdProtocolError(`reply chunk of ${h.length} bytes exceeds the maximum ${this.maxReplyPayload}`);
        if (p.into && h.type === ReplyType.OFFSET_DATA && h.length > 8) {
          // Data straight into the caller's buffer: the 8-byte offset first, then the bytes where they belong.
          const at = Number((await this.reader.read(8, t, 'reply chunk')).readBigUInt64BE(0));
          const len = h.length - 8;
          if (at < p.offset || at + len > p.offset + p.length) throw new NbdProtocolError(`data chunk ${at}+${len} outside the request`);
          await this.reader.readInto(p.into.subarray(at - p.offset, at - p.offset + len), t, 'reply chunk');
          p.covered = (p.covered ?? 0) + len;
        } else {
          const payload = h.length === 0 ? Buffer.alloc(0) : await this.reader.read(h.length, t, 'reply chunk');
          this.chunk(p, h.type, payload);
        }
        if (h.flags & ReplyFlag.DONE) {
          // A reply that breaks the protocol is checked while the command is still pending, so failing the
          // session fails this command too.
          if (!p.error && p.type === Cmd.READ && p.into && (p.covered ?? 0) !== p.length) {
            // The caller's buffer holds old bytes: data and hole chunks must cover the request exactly (the
            // spec requires it of a successful structured READ reply).
            throw new NbdProtocolError(`READ reply covered ${p.covered ?? 0} of ${p.length} bytes`);
          }
          if (!p.error && p.type === Cmd.BLOCK_STATUS && (!p.extents || p.extents.length === 0)) throw new NbdProtocolError('BLOCK_STATUS reply without extents');
          this.settled(h.cookie);
          if (p.error) p.reject(p.error);
          else if (p.type === Cmd.READ) p.resolve(p.into ?? p.data ?? Buffer.alloc(p.length));
          else if (p.type === Cmd.BLOCK_STATUS) p.resolve(p.extents);
          else p.resolve(undefined);
        }
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private chunk(p: Pending, type: number, payload: Buffer): void {
    const inRange = (off: number, len: number) => off >= p.offset && off + len <= p.offset + p.length;
    if (isErrorChunk(type)) {
      const e = decodeErrorChunk(type, payload);
      if (e.offset !== undefined && !inRange(e.offset, 1)) throw new NbdProtocolError(`error offset ${e.offset} outside the request`);
      p.error ??= new NbdCommandError(p.type, e.error, e.message);
      return;
    }
    switch (type) {
      case ReplyType.NONE:
        return;
      case ReplyType.OFFSET_DATA: {
        if (p.type !== Cmd.READ) throw new NbdProtocolError('data chunk in reply to a command other than READ');
        const d = decodeOffsetData(payload);
        if (!inRange(d.offset, d.data.length)) throw new NbdProtocolError(`data chunk ${d.offset}+${d.data.length} outside the request`);
        if (d.offset === p.offset && d.data.length === p.length && !p.data) p.data = d.data; // socket chunks are never reused, so a view is safe
        else d.data.copy((p.data ??= Buffer.alloc(p.length)), d.offset - p.offset);
        return;
      }
      case ReplyType.OFFSET_HOLE: {
        if (p.type !== Cmd.READ) throw new NbdProtocolError('hole chunk in reply to a command other than READ');
        const d = decodeOffsetHole(payload);
        if (!inRange(d.offset, d.length)) throw new NbdProtocolError(`hole chunk ${d.offset}+${d.length} outside the request`);
        if (p.into) {
          p.into.fill(0, d.offset - p.offset, d.offset - p.offset + d.length);
          p.covered = (p.covered ?? 0) + d.length;
        } else if (p.data) p.data.fill(0, d.offset - p.offset, d.offset - p.offset + d.length);
        return;
      }
      case ReplyType.BLOCK_STATUS: {
        if (p.type !== Cmd.BLOCK_STATUS) throw new NbdProtocolError('block status chunk in reply to a command other than BLOCK_STATUS');
        const bs = decodeBlockStatus(payload);
        if (bs.contextId !== this.info.metaContexts.get(BASE_ALLOCATION)) return; // another context: not ours to read
        let at = p.offset;
        const out: Extent[] = [];
        for (const e of bs.extents) {
          if (e.length === 0) throw new NbdProtocolError('zero-length extent in BLOCK_STATUS');
          const len = Math.min(e.length, this.info.size - at);
          if (len <= 0) break;
          out.push({ offset: at, length: len, zero: (e.flags & StateFlag.ZERO) !== 0, hole: (e.flags & StateFlag.HOLE) !== 0 });
          at += len;
        }
        p.extents = out;
        return;
      }
      default:
        throw new NbdProtocolError(`unknown reply chunk type ${type}`);
    }
  }
}
