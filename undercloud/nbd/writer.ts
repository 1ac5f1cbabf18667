/**
 * The image writer: streams a raw or qcow2 image to an NBD export. Data ranges go as pipelined WRITEs
 * across the pool's connections; zero and unallocated ranges go as WRITE_ZEROES (FAST_ZERO when offered,
 * falling back to written zeros), never as data. Memory is bounded: at most `maxInFlightBytes` of writes
 * and `readAheadBytes` of reads exist at once, whatever the image size. Every `checkpointBytes` of data the
 * writer drains, FLUSHes and records (offset, digest state); a dropped connection reconnects and resumes
 * from the last flushed checkpoint. Success is declared only after reading the target back and matching
 * the digest of what was written (digest.ts), unless the caller turns verification off.
 */
import { TFlag } from './constants.js';
import type { TlsCredentials } from './handshake.js';
import { DEFAULT_TIMEOUT_MS } from './connect.js';
import { NbdCommandError, NbdTargetError, NbdVerifyError, isRetryable } from './errors.js';
import { alignExtents, extentsFrom, splitExtents, type SourceExtent } from './extents.js';
import { DIGEST_ALGORITHM, isAllZero } from './digest.js';
import { ParallelTreeHasher, type DigestState, type DigestWorkers } from './parallel-digest.js';
import { NbdPool } from './pool.js';
import { openImageSource, type ImageFormat, type ImageSource } from './source.js';
import { parseNbdUri, type NbdAddress } from './uri.js';
import { InflightWindow } from './window.js';
import { verifyTarget } from './verify.js';

export interface WriteProgress {
  phase: 'write' | 'verify';
  /** Bytes of the image done in this phase (logical: zeros count). */
  bytes: number;
  total: number;
  /** Bytes actually sent as WRITE payload so far. */
  dataBytes: number;
  /** Logical bytes per second since the phase started. */
  rate: number;
  /** Seconds left at the current rate (undefined until there is a rate). */
  eta: number | undefined;
  reconnects: number;
}

export interface WriteImageOptions {
  /** An image file path, or an already opened source. */
  source: string | ImageSource;
  sourceFormat?: ImageFormat | 'auto';
  /** An NBD URI or a parsed address. */
  target: string | NbdAddress;
  tls?: TlsCredentials;
  /** Connections when the server offers CAN_MULTI_CONN (default 4). */
  connections?: number;
  /** Read the target back and compare digests before declaring success (default true). */
  verify?: boolean;
  /**
   * The image's digest if already known (imageDigest(), cached by the image store): the writer then does
   * not hash while writing, and the read-back must match this value.
   */
  expectedDigest?: string;
  /** The target already reads as zeros (a fresh sparse file, a new memory disk): skip zero ranges. */
  targetIsZero?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: WriteProgress) => void;
  /** Timeout of every wait on the server (default 30 s). */
  timeoutMs?: number;
  /** Reconnect attempts after a dropped connection before giving up (default 5). */
  retries?: number;
  requestSize?: number;
  maxInFlightBytes?: number;
  readAheadBytes?: number;
  checkpointBytes?: number;
  /** Called on reconnects and fallbacks (the daemon passes its winston logger's warn). */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface WriteImageResult {
  /** Logical size of the image written. */
  bytesWritten: number;
  /** Bytes sent as WRITE payload (the rest went as WRITE_ZEROES or was skipped). */
  dataBytes: number;
  zeroBytes: number;
  digest: string;
  digestAlgorithm: typeof DIGEST_ALGORITHM;
  verified: boolean;
  reconnects: number;
  connections: number;
  format: ImageFormat;
  writeSeconds: number;
  verifySeconds: number;
}

interface Checkpoint {
  offset: number;
  hasher: DigestState | undefined;
  dataBytes: number;
  zeroBytes: number;
}

const MiB = 1024 * 1024;

function compile(o: WriteImageOptions) {
  return {
    connections: Math.max(1, o.connections ?? 4),
    verify: o.verify ?? true,
    targetIsZero: o.targetIsZero ?? false,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retries: o.retries ?? 5,
    requestSize: o.requestSize ?? 1 * MiB,
    maxInFlightBytes: o.maxInFlightBytes ?? 32 * MiB,
    readAheadBytes: o.readAheadBytes ?? 16 * MiB,
    checkpointBytes: o.checkpointBytes ?? 512 * MiB,
    log: o.log ?? (() => undefined),
  };
}
type Compiled = ReturnType<typeof compile>;

class ProgressClock {
  private readonly start = Date.now();
  private last = 0;
  constructor(private readonly phase: WriteProgress['phase'], private readonly total: number, private readonly cb?: (p: WriteProgress) => void) {}
  emit(bytes: number, dataBytes: number, reconnects: number, force = false): void {
    if (!this.cb) return;
    const now = Date.now();
    if (!force && now - this.last < 200) return;
    this.last = now;
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? bytes / secs : 0;
    this.cb({ phase: this.phase, bytes, total: this.total, dataBytes, rate, eta: rate > 0 ? (this.total - bytes) / rate : undefined, reconnects });
  }
  get seconds(): number {
    return (Date.now() - this.start) / 1000;
  }
}

async function zeroRange(pool: NbdPool, e: SourceExtent, c: Compiled, zeroBuf: () => Buffer, state: { fastZeroOk: boolean }): Promise<void> {
  const s = pool.pick();
  if (s.has(TFlag.SEND_WRITE_ZEROES)) {
    // FAST_ZERO first: a server that cannot zero quickly says ENOTSUP at once instead of being slow. We then
    // send a plain WRITE_ZEROES anyway: a slow zero on the server still beats sending zeros over the wire.
    // Decided per request: several zero requests are in flight when the first refusal arrives.
    const fast = state.fastZeroOk;
    try {
      await s.writeZeroes(e.offset, e.length, { fast });
      return;
    } catch (err) {
      if (!(err instanceof NbdCommandError && err.errno === 'ENOTSUP' && fast)) throw err;
      if (state.fastZeroOk) c.log('server refused fast zeroing; using plain WRITE_ZEROES', { offset: e.offset });
      state.fastZeroOk = false;
    }
    await s.writeZeroes(e.offset, e.length);
    return;
  }
  const max = Math.min(c.requestSize, s.info.blockSize.maximum);
  for (let at = e.offset; at < e.offset + e.length; at += max) {
    const n = Math.min(max, e.offset + e.length - at);
    await pool.pick().write(at, zeroBuf().subarray(0, n));
  }
}

async function writePass(source: ImageSource, extents: SourceExtent[], addr: NbdAddress, o: WriteImageOptions, c: Compiled, from: Checkpoint,
  progress: ProgressClock, reconnects: number, workers: DigestWorkers | undefined, saveCheckpoint: (cp: Checkpoint) => void): Promise<{ connections: number; digest: string | undefined; done: Checkpoint }> {
  const pool = await NbdPool.open(addr, c.connections, { ...(o.tls ? { tls: o.tls } : {}), blockStatus: false, timeoutMs: c.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
  try {
    const info = pool.primary.info;
    if (pool.primary.has(TFlag.READ_ONLY)) throw new NbdTargetError('the target export is read-only');
    if (source.size > info.size) throw new NbdTargetError(`the image (${source.size} bytes) is larger than the target export (${info.size} bytes)`);
    const min = info.blockSize.minimum;
    const grid = Math.max(min, Math.min(c.requestSize, info.blockSize.maximum) - (Math.min(c.requestSize, info.blockSize.maximum) % min));
    const units = splitExtents(extentsFrom(alignExtents(extents, source.size, min), from.offset), grid, 1 << 30);
    const window = new InflightWindow(c.maxInFlightBytes);
    const zeroState = { fastZeroOk: pool.primary.has(TFlag.SEND_FAST_ZERO) };
    let zeroBuffer: Buffer | undefined;
    const zeroBuf = () => (zeroBuffer ??= Buffer.alloc(grid));
    const hasher = workers ? new ParallelTreeHasher(workers, from.hasher) : undefined;
    let { dataBytes, zeroBytes } = from;
    let sinceCheckpoint = 0;
    // Read buffers are recycled (the hasher copies what it needs): fresh 1 MiB buffers cost a page fault per
    // 4 KiB and GC time, which measured as a large share of the main thread's work.
    const free: Buffer[] = [];
    const owned = new WeakSet<ArrayBufferLike>();
    const take = () => {
      const b = free.pop() ?? Buffer.allocUnsafeSlow(grid);
      owned.add(b.buffer);
      return b;
    };
    const give = (b: Buffer | undefined) => {
      if (b && owned.has(b.buffer) && free.length < 128) free.push(Buffer.from(b.buffer, 0, grid));
    };
    const held = (n: number) => (source.readsInto ? grid : n);
    // Read-ahead: reads are issued in order up to readAheadBytes ahead of the unit being written.
    const ahead: { unit: SourceExtent; data?: Promise<Buffer> }[] = [];
    let aheadBytes = 0;
    let exhausted = false;
    const fill = () => {
      // Bounded by bytes held (a recycled buffer holds `grid` bytes however short the read) and by count.
      while (!exhausted && ((aheadBytes < c.readAheadBytes && ahead.length < 256) || ahead.length === 0)) {
        const n = units.next();
        if (n.done) {
          exhausted = true;
          break;
        }
        const u = n.value;
        if (u.zero) ahead.push({ unit: u });
        else {
          const p = source.read(u.offset, u.length, source.readsInto ? { into: take() } : {});
          p.catch(() => undefined);
          ahead.push({ unit: u, data: p });
          aheadBytes += held(u.length);
        }
      }
    };
    for (;;) {
      o.signal?.throwIfAborted();
      fill();
      const item = ahead.shift();
      if (!item) break;
      const u = item.unit;
      let data: Buffer | undefined;
      if (item.data) {
        data = await item.data;
        aheadBytes -= held(u.length);
        if (isAllZero(data)) {
          give(data);
          data = undefined;
        }
      }
      if (!data) {
        hasher?.zeros(u.length);
        zeroBytes += u.length;
        if (!c.targetIsZero) await window.run(Math.min(u.length, grid), () => zeroRange(pool, u, c, zeroBuf, zeroState));
      } else {
        hasher?.data(data);
        dataBytes += u.length;
        sinceCheckpoint += u.length;
        const buf = data;
        await window.run(held(buf.length), () => pool.pick().write(u.offset, buf).finally(() => give(buf)));
      }
      await hasher?.settle();
      const end = u.offset + u.length;
      progress.emit(end, dataBytes, reconnects);
      if (sinceCheckpoint >= c.checkpointBytes && end < source.size) {
        await window.drain();
        await pool.flush();
        saveCheckpoint({ offset: end, hasher: await hasher?.checkpoint(), dataBytes, zeroBytes });
        sinceCheckpoint = 0;
      }
    }
    await window.drain();
    await pool.flush();
    const digest = await hasher?.digest();
    const done = { offset: source.size, hasher: undefined, dataBytes, zeroBytes };
    progress.emit(source.size, dataBytes, reconnects, true);
    await pool.disconnect();
    return { connections: pool.sessions.length, digest, done };
  } finally {
    pool.close();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    }, { once: true });
  });
}

/** Writes an image to an NBD export, verifies it, and says what was written. */
export async function writeImage(o: WriteImageOptions): Promise<WriteImageResult> {
  const c = compile(o);
  const addr = typeof o.target === 'string' ? parseNbdUri(o.target) : o.target;
  const source = typeof o.source === 'string' ? await openImageSource(o.source, o.sourceFormat ?? 'auto') : o.source;
  try {
    const extents = await source.extents(o.signal);
    const progress = new ProgressClock('write', source.size, o.onProgress);
    let checkpoint: Checkpoint = { offset: 0, hasher: undefined, dataBytes: 0, zeroBytes: 0 };
    let reconnects = 0;
    let result: { connections: number; digest: string | undefined; done: Checkpoint };
    const workers = o.expectedDigest ? undefined : ParallelTreeHasher.workers();
    for (;;) {
      try {
        result = await writePass(source, extents, addr, o, c, checkpoint, progress, reconnects, workers, (cp) => (checkpoint = cp));
        break;
      } catch (err) {
        if (o.signal?.aborted || !isRetryable(err) || reconnects >= c.retries) throw err;
        reconnects++;
        c.log('NBD connection lost; reconnecting and resuming from the last flushed offset', { offset: checkpoint.offset, attempt: reconnects, error: (err as Error).message });
        await sleep(Math.min(200 * 2 ** (reconnects - 1), 5000), o.signal);
      }
    }
    const digest = o.expectedDigest ?? result.digest!;
    const writeSeconds = progress.seconds;
    let verified = false;
    let verifySeconds = 0;
    if (c.verify) {
      const vp = new ProgressClock('verify', source.size, o.onProgress);
      const actual = await verifyTarget(addr, source.size, { ...(o.tls ? { tls: o.tls } : {}), timeoutMs: c.timeoutMs, connections: c.connections, maxInFlightBytes: c.maxInFlightBytes, requestSize: c.requestSize, ...(o.signal ? { signal: o.signal } : {}) }, (b, d) => vp.emit(b, d, reconnects));
      vp.emit(source.size, 0, reconnects, true);
      verifySeconds = vp.seconds;
      if (actual !== digest) throw new NbdVerifyError(digest, actual);
      verified = true;
    }
    return {
      bytesWritten: source.size, dataBytes: result.done.dataBytes, zeroBytes: result.done.zeroBytes, digest, digestAlgorithm: DIGEST_ALGORITHM,
      verified, reconnects, connections: result.connections, format: source.format, writeSeconds, verifySeconds,
    };
  } finally {
    await source.close();
  }
}

