/**
 * The image writer: streams a raw or qcow2 image to an NBD export. Data ranges go as pipelined WRITEs
 * across the pool's connections; zero and unallocated ranges go as WRITE_ZEROES (FAST_ZERO when offered,
 * falling back to written zeros), never as data. Memory is bounded: the data in flight lives in a fixed
 * pool of read buffers (buffers.ts: `maxInFlightBytes` + `readAheadBytes`), whatever the image size.
 * Every `checkpointBytes` of data the writer FLUSHes once the writes before that point have completed (the
 * pipe keeps flowing meanwhile) and records (offset, digest states); a dropped connection reconnects and
 * resumes from the last flushed checkpoint. Success is declared only after reading the target back and
 * matching the digest of what was written (digest.ts), unless the caller turns verification off.
 *
 * Digests: `digest` is the `sha256-tree-1m` of the image's logical content, the one verified by read-back
 * (cheap: zero blocks cost a constant, blocks hash in parallel). `sha256` (on request, or to check
 * `expectedSha256`, e.g. the image store's sha256) is the plain SHA-256 of the same content, zeros included,
 * computed from the stream being written on a worker thread.
 */
import os from 'node:os';
import { TFlag } from './constants.js';
import type { TlsCredentials } from './handshake.js';
import { DEFAULT_TIMEOUT_MS } from './connect.js';
import { BufferPool, type PooledBuffer } from './buffers.js';
import { ImageDigestMismatchError, NbdCommandError, NbdTargetError, NbdVerifyError, isRetryable } from './errors.js';
import { alignExtents, extentsFrom, splitExtents, type SourceExtent } from './extents.js';
import { DIGEST_ALGORITHM, HASH_BLOCK, isAllZero } from './digest.js';
import { ParallelTreeHasher, StreamSha256, type DigestState, type DigestWorkers, type StreamState } from './parallel-digest.js';
import { NbdPool } from './pool.js';
import { openImageSource, type ImageFormat, type ImageSource, type SourceReader } from './source.js';
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
  /** Connections when the server offers CAN_MULTI_CONN (default `defaultConnections()`: one per core, 1 to 4). */
  connections?: number;
  /** Read the target back and compare digests before declaring success (default true). */
  verify?: boolean;
  /**
   * The image's digest if already known (imageDigest(), cached by the image store): the writer then does
   * not hash while writing, and the read-back must match this value.
   */
  expectedDigest?: string;
  /**
   * Also compute the plain SHA-256 of the image's logical content (every byte of the virtual disk, zeros
   * included: `sha256sum` of the raw image) from what is written; reported as `sha256`. Costs one
   * sequential SHA-256 pass over the logical size on a worker thread (~1 GB/s per core here).
   */
  sha256?: boolean;
  /**
   * The plain SHA-256 the image's logical content must have (the image store's sha256 of a raw image, or
   * its recorded logical sha256 of a qcow2); implies `sha256`. A mismatch fails the write with
   * ImageDigestMismatchError (IMAGE_SHA256_MISMATCH) once the content has been written.
   */
  expectedSha256?: string;
  /** qcow2 sources: read the file directly when its layout allows (default 'auto') or always via qemu-nbd. */
  qcow2Reader?: 'auto' | 'qemu-nbd';
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
  /** Plain SHA-256 of the image's logical content (when `sha256` or `expectedSha256` was given). */
  sha256?: string;
  /** How the source was read (raw file, qcow2 file, or qemu-nbd). */
  sourceReader?: SourceReader;
}

interface Checkpoint {
  offset: number;
  hasher: DigestState | undefined;
  stream: StreamState | undefined;
  dataBytes: number;
  zeroBytes: number;
}

const MiB = 1024 * 1024;
/**
 * Request size, writes in flight, read-ahead and checkpoints (docs/nbd.md has the measurements): 1 MiB
 * requests cost us less per byte than 256 or 512 KiB ones and the server less than 2 or 4 MiB ones; 8 MiB of
 * writes in flight keep nbdkit's threads fed (4 MiB left its memory plugin waiting on us: 0.91x nbdcopy)
 * for ~4 MiB more of buffers. 2 MiB of read-ahead (two reads on libuv's thread pool while this thread
 * sends) is enough to keep the sends from waiting on the source from the page cache.
 *
 * A checkpoint FLUSH every 64 MiB of data starts the target's write-back while the transfer goes on, so the
 * final FLUSH finds little left to write: on an nbdkit file target the one final flush of 512 MiB took
 * ~0.25 s, as long as the transfer itself, and nbdcopy or qemu-img pay it whole. It also bounds what a
 * reconnect re-sends to two checkpoints' worth.
 */
export const DEFAULT_REQUEST_SIZE = 1 * MiB;
export const DEFAULT_IN_FLIGHT = 8 * MiB;
export const DEFAULT_READ_AHEAD = 2 * MiB;
export const DEFAULT_CHECKPOINT = 64 * MiB;
/**
 * Connections when the server allows several: one per core, 1 to 4 (nbdcopy's rule). Our writer is one
 * thread whatever the count; what more connections buy is server threads, and past the cores they contend
 * (nbdkit's memory plugin on 2 cores: 0.33 s with 2 connections, 0.35-0.38 s with 4).
 */
export function defaultConnections(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

function compile(o: WriteImageOptions) {
  return {
    connections: Math.max(1, o.connections ?? defaultConnections()),
    verify: o.verify ?? true,
    targetIsZero: o.targetIsZero ?? false,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retries: o.retries ?? 5,
    requestSize: o.requestSize ?? DEFAULT_REQUEST_SIZE,
    maxInFlightBytes: o.maxInFlightBytes ?? DEFAULT_IN_FLIGHT,
    readAheadBytes: o.readAheadBytes ?? DEFAULT_READ_AHEAD,
    checkpointBytes: o.checkpointBytes ?? DEFAULT_CHECKPOINT,
    sha256: o.sha256 === true || o.expectedSha256 !== undefined,
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

interface Hashing {
  workers: DigestWorkers | undefined;
  /** Tree digest while writing (undefined when the caller gave the expected one). */
  tree: boolean;
  sha256: boolean;
}

/** One unit of the image waiting to be written: zeros, or data being read into a pooled buffer. */
interface Ahead {
  unit: SourceExtent;
  slot?: PooledBuffer;
  data?: Promise<Buffer>;
}

function openPool(addr: NbdAddress, o: WriteImageOptions, c: Compiled): Promise<NbdPool> {
  return NbdPool.open(addr, c.connections, { ...(o.tls ? { tls: o.tls } : {}), blockStatus: false, timeoutMs: c.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
}

async function writePass(source: ImageSource, extents: SourceExtent[], addr: NbdAddress, o: WriteImageOptions, c: Compiled, from: Checkpoint,
  progress: ProgressClock, reconnects: number, hashing: Hashing, saveCheckpoint: (cp: Checkpoint) => void, opened?: NbdPool): Promise<{ connections: number; digest: string | undefined; sha256: string | undefined; done: Checkpoint }> {
  const pool = opened ?? await openPool(addr, o, c);
  const tree = hashing.tree ? new ParallelTreeHasher(hashing.workers!, from.hasher) : undefined;
  const stream = hashing.sha256 ? new StreamSha256(hashing.workers!, from.stream) : undefined;
  let finished = false;
  let pendingCheckpoint: StreamState | undefined;
  try {
    const info = pool.primary.info;
    if (pool.primary.has(TFlag.READ_ONLY)) throw new NbdTargetError('the target export is read-only');
    if (source.size > info.size) throw new NbdTargetError(`the image (${source.size} bytes) is larger than the target export (${info.size} bytes)`);
    const min = info.blockSize.minimum;
    const req = Math.min(c.requestSize, info.blockSize.maximum);
    const grid = Math.max(min, req - (req % min));
    const units = splitExtents(extentsFrom(alignExtents(extents, source.size, min), from.offset), grid, 1 << 30);
    const window = new InflightWindow(c.maxInFlightBytes);
    const zeroState = { fastZeroOk: pool.primary.has(TFlag.SEND_FAST_ZERO) };
    let zeroBuffer: Buffer | undefined;
    const zeroBuf = () => (zeroBuffer ??= Buffer.alloc(grid));
    let { dataBytes, zeroBytes } = from;
    let sinceCheckpoint = 0;
    // Every byte read lives in one of these slots until it is written (and hashed); a hasher's open 1 MiB
    // block may hold several small slots, hence the floor.
    const slots = new BufferPool(grid, Math.max(Math.ceil((c.maxInFlightBytes + c.readAheadBytes) / grid), Math.ceil(HASH_BLOCK / grid) + 3), hashing.sha256);
    const readAheadSlots = Math.max(1, Math.ceil(c.readAheadBytes / grid));
    const ahead: Ahead[] = [];
    let reading = 0;
    let next: SourceExtent | undefined;
    let exhausted = false;
    const peek = () => {
      if (next === undefined && !exhausted) {
        const n = units.next();
        if (n.done) exhausted = true;
        else next = n.value;
      }
      return next;
    };
    // Source reads go through libuv's thread pool, up to `readAheadSlots` ahead of the unit being written
    // (while slots last): the pread copies then run on another core while this thread sends (docs/nbd.md,
    // "Source reads").
    const fill = () => {
      for (let u = peek(); u && ahead.length < 256; u = peek()) {
        if (u.zero) {
          ahead.push({ unit: u });
        } else {
          if (reading >= readAheadSlots && ahead.length > 0) break;
          const slot = slots.take();
          if (!slot) break;
          const data = source.read(u.offset, u.length, source.readsInto ? { into: slot.buf } : {});
          data.catch(() => undefined);
          ahead.push({ unit: u, slot, data });
          reading++;
        }
        next = undefined;
      }
    };
    let unconfirmed: { flushed: Promise<void>; dataBytes: number } | undefined;
    for (;;) {
      o.signal?.throwIfAborted();
      fill();
      const item = ahead.shift();
      if (!item) {
        if (exhausted && next === undefined) break;
        await slots.freed(); // every slot is out (being written or hashed)
        continue;
      }
      const u = item.unit;
      let data: Buffer | undefined;
      if (item.data) {
        try {
          data = await item.data;
        } catch (err) {
          item.slot!.release();
          throw err;
        }
        reading--;
      }
      if (data && isAllZero(data)) {
        item.slot!.release();
        data = undefined;
      }
      if (!data) {
        tree?.zeros(u.length);
        stream?.zeros(u.length);
        zeroBytes += u.length;
        if (!c.targetIsZero) {
          const n = Math.min(u.length, grid);
          if (!window.fits(n)) await window.run(n, () => zeroRange(pool, u, c, zeroBuf, zeroState));
          else window.start(n, () => zeroRange(pool, u, c, zeroBuf, zeroState));
        }
      } else {
        // The next checkpoint is not reached while the last one's FLUSH is unanswered: the target writes
        // the last checkpoint back while the next one is sent (waiting after half of one stalled the pipe
        // on every flush of an nbdkit file target), and a lost connection re-sends two checkpoints at most.
        if (unconfirmed && dataBytes + u.length - unconfirmed.dataBytes >= c.checkpointBytes) {
          try {
            await unconfirmed.flushed;
          } catch (err) {
            item.slot!.release();
            throw err;
          }
          unconfirmed = undefined;
        }
        const slot = item.slot!;
        // Hashers keep a reference to the slot while they still need its bytes (instead of copying them).
        tree?.data(data, source.readsInto ? slot : undefined);
        stream?.data(data, source.readsInto ? slot : undefined);
        dataBytes += u.length;
        sinceCheckpoint += u.length;
        const buf = data;
        const send = () => pool.pick().write(u.offset, buf).finally(() => slot.release());
        if (!window.fits(buf.length)) {
          try {
            await window.run(buf.length, send);
          } catch (err) {
            slot.release();
            throw err;
          }
        } else window.start(buf.length, send);
      }
      if (tree && tree.pending > 4) await tree.settle();
      if (stream && stream.pending > 64) await stream.settle();
      const end = u.offset + u.length;
      progress.emit(end, dataBytes, reconnects);
      if (sinceCheckpoint >= c.checkpointBytes && end < source.size) {
        // A checkpoint at `end`: once every write before it has completed, one FLUSH makes them durable
        // (under CAN_MULTI_CONN a FLUSH covers writes completed on every connection). Writes after it keep
        // flowing meanwhile; the checkpoint is recorded when the FLUSH is answered.
        sinceCheckpoint = 0;
        const cp: Checkpoint = { offset: end, hasher: await tree?.checkpoint(), stream: await stream?.checkpoint(), dataBytes, zeroBytes };
        // (The previous checkpoint's FLUSH was answered before this one was reached: see the wait above.)
        pendingCheckpoint = cp.stream;
        const before = window.barrier();
        const flushed = (async () => {
          await before;
          await pool.flush();
          if (cp.stream === pendingCheckpoint) pendingCheckpoint = undefined;
          saveCheckpoint(cp);
        })();
        flushed.catch(() => undefined);
        unconfirmed = { flushed, dataBytes };
        window.start(0, () => flushed);
      }
    }
    await window.drain();
    await pool.flush();
    const digest = await tree?.digest();
    const sha256 = await stream?.digest();
    slots.dispose(); // every slot is back: the verification (or the next write) reuses their memory
    const done: Checkpoint = { offset: source.size, hasher: undefined, stream: undefined, dataBytes, zeroBytes };
    progress.emit(source.size, dataBytes, reconnects, true);
    await pool.disconnect();
    finished = true;
    return { connections: pool.sessions.length, digest, sha256, done };
  } finally {
    if (!finished) {
      // A checkpoint whose FLUSH never came back is never resumed from: forget its stream state.
      if (pendingCheckpoint) StreamSha256.discard(hashing.workers!, pendingCheckpoint);
      tree?.abandon();
      stream?.abandon();
    }
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
  const source = typeof o.source === 'string'
    ? await openImageSource(o.source, o.sourceFormat ?? 'auto', { ...(o.qcow2Reader ? { qcow2Reader: o.qcow2Reader } : {}), log: c.log })
    : o.source;
  try {
    // The extents (qemu-img map for a raw file: a child process) and the connections are set up together.
    const connecting = openPool(addr, o, c);
    connecting.catch(() => undefined);
    let extents: SourceExtent[];
    try {
      extents = await source.extents(o.signal);
    } catch (err) {
      void connecting.then((p) => p.close(), () => undefined);
      throw err;
    }
    let opened: NbdPool | undefined;
    let connectError: unknown;
    try {
      opened = await connecting;
    } catch (err) {
      connectError = err; // the first pass's failure: the loop below retries it (or not) like any other
    }
    const progress = new ProgressClock('write', source.size, o.onProgress);
    let checkpoint: Checkpoint = { offset: 0, hasher: undefined, stream: undefined, dataBytes: 0, zeroBytes: 0 };
    let reconnects = 0;
    let result: { connections: number; digest: string | undefined; sha256: string | undefined; done: Checkpoint };
    const tree = !o.expectedDigest;
    const hashing: Hashing = { workers: tree || c.sha256 ? ParallelTreeHasher.workers() : undefined, tree, sha256: c.sha256 };
    try {
      for (;;) {
        try {
          if (connectError !== undefined) {
            const e = connectError;
            connectError = undefined;
            throw e;
          }
          const first = opened;
          opened = undefined;
          result = await writePass(source, extents, addr, o, c, checkpoint, progress, reconnects, hashing, (cp) => {
            if (checkpoint.stream && checkpoint.stream !== cp.stream) StreamSha256.discard(hashing.workers!, checkpoint.stream);
            checkpoint = cp;
          }, first);
          break;
        } catch (err) {
          if (o.signal?.aborted || !isRetryable(err) || reconnects >= c.retries) throw err;
          reconnects++;
          c.log('NBD connection lost; reconnecting and resuming from the last flushed offset', { offset: checkpoint.offset, attempt: reconnects, error: (err as Error).message });
          await sleep(Math.min(200 * 2 ** (reconnects - 1), 5000), o.signal);
        }
      }
    } finally {
      if (hashing.workers) StreamSha256.discard(hashing.workers, checkpoint.stream);
    }
    const digest = o.expectedDigest ?? result.digest!;
    const writeSeconds = progress.seconds;
    if (o.expectedSha256 !== undefined && result.sha256 !== o.expectedSha256.toLowerCase()) throw new ImageDigestMismatchError(o.expectedSha256, result.sha256!);
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
      ...(result.sha256 !== undefined ? { sha256: result.sha256 } : {}), ...(source.reader ? { sourceReader: source.reader } : {}),
    };
  } finally {
    await source.close();
  }
}
