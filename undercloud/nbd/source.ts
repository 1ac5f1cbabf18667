/**
 * Image sources for the writer. A raw image is read straight from its file, and its extents come from
 * `qemu-img map` (SEEK_DATA/SEEK_HOLE, which Node cannot call). A qcow2 image in the plain layout that
 * `qemu-img convert -O qcow2` writes is read straight from its file too (qcow2.ts walks its L1/L2 tables).
 * Any other qcow2 (compressed clusters, backing file, encryption, subclusters, ...) is exported read-only
 * by `qemu-nbd` on a private unix socket and read through our own NBD client, extents from BLOCK_STATUS
 * base:allocation. Not `qemu-img map` offsets: qemu 7.2's map reports a host offset for compressed
 * clusters without marking them.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { NbdPool } from './pool.js';
import { parseNbdUri } from './uri.js';
import { ImageSourceError } from './errors.js';
import type { SourceExtent } from './extents.js';
import { Qcow2FileSource, readFileRange } from './qcow2.js';

const run = promisify(execFile);

export type ImageFormat = 'raw' | 'qcow2';

/** How a source reads its bytes: a raw file, a qcow2 file walked by qcow2.ts, or an NBD export (qemu-nbd). */
export type SourceReader = 'raw-file' | 'qcow2-file' | 'qemu-nbd' | 'nbd';

export interface ImageSource {
  readonly format: ImageFormat;
  /** How the bytes are read (sources from elsewhere may leave it out). */
  readonly reader?: SourceReader;
  /** Logical size of the image (what a disk holds after writing it). */
  readonly size: number;
  /** Whether `read` honours `into` (so callers can recycle buffers). */
  readonly readsInto?: boolean;
  /** Every byte of the image exactly once, in order. */
  extents(signal?: AbortSignal): Promise<SourceExtent[]>;
  read(offset: number, length: number, opts?: ReadOptions): Promise<Buffer>;
  close(): Promise<void>;
}

export interface ReadOptions {
  /** Read into this buffer (at least `length` bytes) instead of a new one; sources may ignore it. */
  into?: Buffer;
}

/** qcow2's magic "QFI\xfb"; anything else is taken as raw. */
export async function detectFormat(file: string): Promise<ImageFormat> {
  const fh = await openImage(file);
  try {
    const b = Buffer.alloc(4);
    await fh.read(b, 0, 4, 0);
    return b.equals(Buffer.from([0x51, 0x46, 0x49, 0xfb])) ? 'qcow2' : 'raw';
  } finally {
    await fh.close();
  }
}

async function openImage(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (err) {
    throw new ImageSourceError(`cannot open image ${file}: ${(err as Error).message}`, { cause: err });
  }
}

interface MapEntry {
  start: number;
  length: number;
  zero: boolean;
  data: boolean;
}

/**
 * `qemu-img map` results by file identity (device, inode, size, mtime, ctime): the daemon writes one golden
 * image to many nodes, and the map is a child process (~50 ms here, more under load) that nbdcopy and
 * qemu-img do without (they call SEEK_DATA/SEEK_HOLE in-process, which Node cannot).
 */
const mapCache = new Map<string, SourceExtent[]>();
const MAP_CACHE_ENTRIES = 16;

export class RawFileSource implements ImageSource {
  readonly format = 'raw' as const;
  readonly readsInto = true;
  readonly reader = 'raw-file' as const;
  private constructor(private readonly fh: FileHandle, readonly size: number, private readonly file: string) {}

  static async open(file: string): Promise<RawFileSource> {
    const fh = await openImage(file);
    const st = await fh.stat();
    const src = new RawFileSource(fh, st.size, file);
    src.identity = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    return src;
  }

  /** The file's identity when opened: a changed file (size, mtime or ctime) is mapped again. */
  private identity = '';

  async extents(signal?: AbortSignal): Promise<SourceExtent[]> {
    const cached = mapCache.get(this.identity);
    if (cached) return cached.map((e) => ({ ...e }));
    try {
      const { stdout } = await run('qemu-img', ['map', '--output=json', '-f', 'raw', this.file], { maxBuffer: 256 * 1024 * 1024, ...(signal ? { signal } : {}) });
      const map = JSON.parse(stdout) as MapEntry[];
      const extents = map.map((e) => ({ offset: e.start, length: e.length, zero: e.zero || !e.data }));
      mapCache.delete(this.identity);
      mapCache.set(this.identity, extents.map((e) => ({ ...e })));
      if (mapCache.size > MAP_CACHE_ENTRIES) mapCache.delete(mapCache.keys().next().value!);
      return extents;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // Without qemu-img (package qemu-utils) every byte is read; zero blocks are still detected by content.
        return [{ offset: 0, length: this.size, zero: false }];
      }
      throw new ImageSourceError(`qemu-img map ${this.file} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async read(offset: number, length: number, opts?: ReadOptions): Promise<Buffer> {
    const buf = opts?.into ? opts.into.subarray(0, length) : Buffer.allocUnsafeSlow(length);
    const got = await readFileRange(this.fh.fd, buf, offset, this.file);
    if (got < length) throw new ImageSourceError(`${this.file} ended at ${offset + got}, before ${offset + length}`);
    return buf;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Any NBD export as a source (used for qcow2 through qemu-nbd; also for copying from another server). */
export class NbdExportSource implements ImageSource {
  readonly readsInto = true;
  private constructor(private readonly pool: NbdPool, readonly format: ImageFormat, private readonly cleanup: () => Promise<void>, readonly reader: SourceReader = 'nbd') {}

  get size(): number {
    return this.pool.primary.size;
  }

  /** Reads spread over `connections` sessions when the server allows several (qemu-nbd does for read-only). */
  static async connect(uri: string, format: ImageFormat, cleanup: () => Promise<void> = async () => {}, connections = 4, reader: SourceReader = 'nbd'): Promise<NbdExportSource> {
    const pool = await NbdPool.open(parseNbdUri(uri), connections, { blockStatus: true });
    return new NbdExportSource(pool, format, cleanup, reader);
  }

  get connections(): number {
    return this.pool.sessions.length;
  }

  async extents(): Promise<SourceExtent[]> {
    const s = this.pool.primary;
    if (!s.info.metaContexts.has('base:allocation')) return [{ offset: 0, length: this.size, zero: false }];
    const out: SourceExtent[] = [];
    let at = 0;
    while (at < this.size) {
      const ext = await s.blockStatus(at, Math.min(this.size - at, 1 << 30));
      for (const e of ext) {
        out.push({ offset: e.offset, length: e.length, zero: e.zero });
        at = e.offset + e.length;
      }
    }
    return out;
  }

  read(offset: number, length: number, opts?: ReadOptions): Promise<Buffer> {
    return this.pool.pick().read(offset, length, opts?.into);
  }

  async close(): Promise<void> {
    await this.pool.disconnect().catch(() => undefined);
    this.pool.close();
    await this.cleanup();
  }
}

/** Exports a qcow2 file read-only with qemu-nbd on a private socket, and reads it as an NBD source. */
export async function openQemuNbdSource(file: string, format: ImageFormat): Promise<NbdExportSource> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'undercloud-nbd-src-'));
  const sock = path.join(dir, 'src.sock');
  const pidFile = path.join(dir, 'qemu-nbd.pid');
  const args = ['--read-only', '--persistent', '--shared=8', `--format=${format}`, `--socket=${sock}`, '--fork', `--pid-file=${pidFile}`, file];
  const stop = async () => {
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Default cache mode (page cache): --cache=none (O_DIRECT) fails on tmpfs and was no faster here.
  await new Promise<void>((resolve, reject) => {
    // --fork: qemu-nbd returns once the socket is listening, so there is no start-up race to poll for.
    const p = spawn('qemu-nbd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new ImageSourceError(`qemu-nbd did not start within 30 s for ${file}`));
    }, 30_000);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new ImageSourceError(`cannot run qemu-nbd (install the Debian package qemu-utils): ${e.message}`, { cause: e }));
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new ImageSourceError(`qemu-nbd could not open ${file} as ${format}: ${err.trim()}`));
    });
  }).catch(async (e) => {
    await stop();
    throw e;
  });
  try {
    return await NbdExportSource.connect(`nbd+unix:///?socket=${encodeURIComponent(sock)}`, format, stop, 4, 'qemu-nbd');
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface OpenSourceOptions {
  /**
   * qcow2: 'auto' (default) reads the file directly when qcow2.ts handles its layout and falls back to
   * qemu-nbd otherwise; 'qemu-nbd' always goes through qemu-nbd.
   */
  qcow2Reader?: 'auto' | 'qemu-nbd';
  /** Told why a qcow2 image goes through qemu-nbd. */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** Opens an image file as a source; `format` 'auto' looks at the file's magic. */
export async function openImageSource(file: string, format: ImageFormat | 'auto' = 'auto', opts: OpenSourceOptions = {}): Promise<ImageSource> {
  const f = format === 'auto' ? await detectFormat(file) : format;
  if (f === 'raw') return RawFileSource.open(file);
  if ((opts.qcow2Reader ?? 'auto') === 'auto') {
    const direct = await Qcow2FileSource.open(file);
    if (!('unsupported' in direct)) return direct;
    opts.log?.('qcow2 image read through qemu-nbd', { image: file, reason: direct.unsupported });
  }
  return openQemuNbdSource(file, f);
}
