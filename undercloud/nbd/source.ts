/**
 * Image sources for the writer. A raw image is read straight from its file, and its extents come from
 * `qemu-img map` (SEEK_DATA/SEEK_HOLE, which Node cannot call). A qcow2 image is exported read-only by
 * `qemu-nbd` on a private unix socket and read through our own NBD client, extents from BLOCK_STATUS
 * base:allocation. We chose qemu-nbd over parsing `qemu-img map` offsets for qcow2 because map only
 * gives file offsets for plain clusters: compressed clusters, backing files, subclusters and encryption
 * would each need a qcow2 reader of our own, while qemu-nbd serves every qcow2 qemu can open.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, read as fsRead, rmSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { NbdPool } from './pool.js';
import { parseNbdUri } from './uri.js';
import { ImageSourceError } from './errors.js';
import type { SourceExtent } from './extents.js';

const run = promisify(execFile);

export type ImageFormat = 'raw' | 'qcow2';

export interface ImageSource {
  readonly format: ImageFormat;
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

/** fs.read with a callback: measured cheaper per call than FileHandle.read on Node 20. */
function preadInto(fd: number, buf: Buffer, at: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fsRead(fd, buf, at, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

export class RawFileSource implements ImageSource {
  readonly format = 'raw' as const;
  readonly readsInto = true;
  private constructor(private readonly fh: FileHandle, readonly size: number, private readonly file: string) {}

  static async open(file: string): Promise<RawFileSource> {
    const fh = await openImage(file);
    const st = await fh.stat();
    return new RawFileSource(fh, st.size, file);
  }

  async extents(signal?: AbortSignal): Promise<SourceExtent[]> {
    try {
      const { stdout } = await run('qemu-img', ['map', '--output=json', '-f', 'raw', this.file], { maxBuffer: 256 * 1024 * 1024, ...(signal ? { signal } : {}) });
      const map = JSON.parse(stdout) as MapEntry[];
      return map.map((e) => ({ offset: e.start, length: e.length, zero: e.zero || !e.data }));
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
    let at = 0;
    while (at < length) {
      const bytesRead = await preadInto(this.fh.fd, buf, at, length - at, offset + at);
      if (bytesRead === 0) throw new ImageSourceError(`${this.file} ended at ${offset + at}, before ${offset + length}`);
      at += bytesRead;
    }
    return buf;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Any NBD export as a source (used for qcow2 through qemu-nbd; also for copying from another server). */
export class NbdExportSource implements ImageSource {
  private constructor(private readonly pool: NbdPool, readonly format: ImageFormat, private readonly cleanup: () => Promise<void>) {}

  get size(): number {
    return this.pool.primary.size;
  }

  /** Reads spread over `connections` sessions when the server allows several (qemu-nbd does for read-only). */
  static async connect(uri: string, format: ImageFormat, cleanup: () => Promise<void> = async () => {}, connections = 4): Promise<NbdExportSource> {
    const pool = await NbdPool.open(parseNbdUri(uri), connections, { blockStatus: true });
    return new NbdExportSource(pool, format, cleanup);
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

  read(offset: number, length: number): Promise<Buffer> {
    return this.pool.pick().read(offset, length);
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
    return await NbdExportSource.connect(`nbd+unix:///?socket=${encodeURIComponent(sock)}`, format, stop);
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Opens an image file as a source; `format` 'auto' looks at the file's magic. */
export async function openImageSource(file: string, format: ImageFormat | 'auto' = 'auto'): Promise<ImageSource> {
  const f = format === 'auto' ? await detectFormat(file) : format;
  if (f === 'raw') return RawFileSource.open(file);
  return openQemuNbdSource(file, f);
}
