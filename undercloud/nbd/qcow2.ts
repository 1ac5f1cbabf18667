/**
 * A qcow2 image read straight from its file: the header, the L1 table and the L2 tables give, for every
 * guest cluster, whether it reads as zeros (unallocated, or the v3 zero flag) or which host offset holds its
 * bytes; data is then read with pread like a raw image, with no qemu-nbd process and no second hop through
 * a socket. This is the layout `qemu-img convert -O qcow2` produces (what the image builder ships).
 *
 * Anything else is refused with a reason and the caller falls back to `qemu-nbd --read-only` (source.ts),
 * which reads every image qemu can open: compressed clusters (their L2 entries carry the compressed flag,
 * which `qemu-img map` 7.2 does not report, hence this reader and not map offsets), backing files,
 * encryption, external data files, extended L2 entries (subclusters), dirty or corrupt images, reserved
 * bits set, unaligned offsets, v2 images with the zero flag.
 */
import { read as fsRead } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ImageSourceError } from './errors.js';
import type { SourceExtent } from './extents.js';
import type { ImageSource, ReadOptions } from './source.js';

export const QCOW2_MAGIC = 0x514649fb;

/** A guest range: read from `host` (a file offset), or zeros when `host` is -1. */
export interface Qcow2Run {
  offset: number;
  length: number;
  host: number;
}

export interface Qcow2Layout {
  version: number;
  size: number;
  clusterSize: number;
  /** Guest ranges in order, covering [0, size) exactly once; neighbours merged where contiguous. */
  runs: Qcow2Run[];
}

/** The image is valid qcow2 that this reader does not handle (qemu-nbd must read it). */
export class Qcow2Unsupported extends Error {}

const TWO32 = 2 ** 32;
/** Bits 9-55 of an L1/L2 entry given as high and low 32-bit halves. */
function offsetOf(hi: number, lo: number): number {
  return (hi & 0x00ffffff) * TWO32 + ((lo & 0xfffffe00) >>> 0);
}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64BE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Qcow2Unsupported(`header field at ${at} is out of range`);
  return Number(v);
}

type ReadAt = (buf: Buffer, position: number) => Promise<number>;

/**
 * Parses the header and the active L1/L2 tables. `readAt` reads up to buf.length bytes at a file offset
 * and returns how many it got. Throws Qcow2Unsupported for images this reader leaves to qemu, and
 * ImageSourceError for files that are not qcow2 at all.
 */
export async function parseQcow2(readAt: ReadAt, fileSize: number): Promise<Qcow2Layout> {
  const h = Buffer.alloc(112);
  const got = await readAt(h, 0);
  if (got < 72 || h.readUInt32BE(0) !== QCOW2_MAGIC) throw new ImageSourceError('not a qcow2 image (bad magic or truncated header)');
  const version = h.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw new Qcow2Unsupported(`qcow2 version ${version}`);
  if (u64(h, 8) !== 0) throw new Qcow2Unsupported('it has a backing file');
  const clusterBits = h.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21) throw new Qcow2Unsupported(`cluster_bits ${clusterBits}`);
  const size = u64(h, 24);
  if (h.readUInt32BE(32) !== 0) throw new Qcow2Unsupported('it is encrypted');
  const l1Size = h.readUInt32BE(36);
  const l1Offset = u64(h, 40);
  if (version === 3) {
    if (got < 104) throw new ImageSourceError('truncated qcow2 v3 header');
    const incompatible = h.readBigUInt64BE(72);
    // Bit 3 only names the compression type; compressed clusters are refused below whatever the type.
    const refused = incompatible & ~(1n << 3n);
    if (refused !== 0n) {
      const names = ['dirty', 'corrupt', 'external data file', '', 'extended L2 entries'];
      const which = names.filter((n, i) => n && (refused & (1n << BigInt(i))) !== 0n);
      throw new Qcow2Unsupported(`incompatible features ${which.length > 0 ? which.join(', ') : `0x${refused.toString(16)}`}`);
    }
  }
  const clusterSize = 2 ** clusterBits;
  const l2Entries = clusterSize / 8;
  const clusters = Math.ceil(size / clusterSize);
  const l1Needed = Math.ceil(clusters / l2Entries);
  if (l1Size < l1Needed) throw new Qcow2Unsupported(`L1 table of ${l1Size} entries is too small for ${size} bytes`);
  const aligned = (off: number) => off % clusterSize === 0;
  if (l1Needed > 0 && (!aligned(l1Offset) || l1Offset + l1Needed * 8 > fileSize)) throw new Qcow2Unsupported('L1 table outside the file');

  const runs: Qcow2Run[] = [];
  const push = (offset: number, length: number, host: number) => {
    const last = runs[runs.length - 1];
    if (last && ((host < 0 && last.host < 0) || (host >= 0 && last.host >= 0 && last.host + last.length === host))) last.length += length;
    else runs.push({ offset, length, host });
  };
  const l1 = Buffer.alloc(l1Needed * 8);
  if (l1Needed > 0 && (await readAt(l1, l1Offset)) !== l1.length) throw new Qcow2Unsupported('L1 table truncated');
  const l2 = Buffer.alloc(clusterSize);
  for (let i = 0; i < l1Needed; i++) {
    const hi = l1.readUInt32BE(i * 8);
    const lo = l1.readUInt32BE(i * 8 + 4);
    const first = i * l2Entries;
    const count = Math.min(l2Entries, clusters - first);
    const l2Offset = offsetOf(hi, lo);
    if ((hi & 0x7f000000) !== 0 || (lo & 0x1ff) !== 0) throw new Qcow2Unsupported(`L1 entry ${i} has reserved bits set`);
    if (l2Offset === 0) {
      push(first * clusterSize, Math.min(count * clusterSize, size - first * clusterSize), -1);
      continue;
    }
    if (!aligned(l2Offset) || l2Offset + clusterSize > fileSize) throw new Qcow2Unsupported(`L2 table ${i} outside the file`);
    if ((await readAt(l2, l2Offset)) !== clusterSize) throw new Qcow2Unsupported(`L2 table ${i} truncated`);
    for (let j = 0; j < count; j++) {
      const ehi = l2.readUInt32BE(j * 8);
      const elo = l2.readUInt32BE(j * 8 + 4);
      const guest = (first + j) * clusterSize;
      const len = Math.min(clusterSize, size - guest);
      if (ehi & 0x40000000) throw new Qcow2Unsupported('it has compressed clusters');
      if ((ehi & 0x3f000000) !== 0 || (elo & 0x1fe) !== 0) throw new Qcow2Unsupported(`L2 entry for offset ${guest} has reserved bits set`);
      const host = offsetOf(ehi, elo);
      if (elo & 1) {
        if (version === 2) throw new Qcow2Unsupported('a v2 image with the zero flag');
        push(guest, len, -1); // zero cluster, preallocated or not
      } else if (host === 0) {
        push(guest, len, -1); // unallocated, no backing file: reads as zeros
      } else {
        if (!aligned(host)) throw new Qcow2Unsupported(`cluster at offset ${guest} is not aligned in the file`);
        push(guest, len, host);
      }
    }
  }
  return { version, size, clusterSize, runs };
}

/** fs.read with a callback (cheaper per call than FileHandle.read on Node 20). */
function pread(fd: number, buf: Buffer, at: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fsRead(fd, buf, at, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

export class Qcow2FileSource implements ImageSource {
  readonly format = 'qcow2' as const;
  readonly readsInto = true;
  readonly reader = 'qcow2-file' as const;
  private constructor(private readonly fh: FileHandle, readonly layout: Qcow2Layout, private readonly file: string) {}

  get size(): number {
    return this.layout.size;
  }

  /**
   * Opens `file` if this reader handles it. Resolves `{ unsupported: reason }` (and closes the file) for
   * images to leave to qemu-nbd; rejects with ImageSourceError when the file cannot be read or is not qcow2.
   */
  static async open(file: string): Promise<Qcow2FileSource | { unsupported: string }> {
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      throw new ImageSourceError(`cannot open image ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const st = await fh.stat();
      const layout = await parseQcow2((buf, position) => readFully(fh.fd, buf, position), st.size);
      return new Qcow2FileSource(fh, layout, file);
    } catch (err) {
      await fh.close();
      if (err instanceof Qcow2Unsupported) return { unsupported: err.message };
      if (err instanceof ImageSourceError) throw new ImageSourceError(`${file}: ${err.message}`);
      throw new ImageSourceError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  async extents(): Promise<SourceExtent[]> {
    const out: SourceExtent[] = [];
    for (const r of this.layout.runs) {
      const zero = r.host < 0;
      const last = out[out.length - 1];
      if (last && last.zero === zero) last.length += r.length;
      else out.push({ offset: r.offset, length: r.length, zero });
    }
    return out;
  }

  async read(offset: number, length: number, opts?: ReadOptions): Promise<Buffer> {
    const buf = opts?.into ? opts.into.subarray(0, length) : Buffer.allocUnsafeSlow(length);
    for (const p of this.pieces(offset, length)) {
      const dst = buf.subarray(p.at, p.at + p.length);
      // A cluster past the end of the file reads as zeros, as qemu reads it.
      const got = p.host < 0 ? 0 : await readFileRange(this.fh.fd, dst, p.host, this.file);
      if (got < p.length) dst.fill(0, got);
    }
    return buf;
  }

  /** Where the bytes of guest range offset+length are: file offsets, or -1 for zeros; `at` in the range. */
  private *pieces(offset: number, length: number): Generator<{ at: number; length: number; host: number }> {
    if (offset < 0 || offset + length > this.size) throw new ImageSourceError(`read ${offset}+${length} beyond the image (${this.size} bytes)`);
    const runs = this.layout.runs;
    // Binary search for the run holding `offset`.
    let lo = 0;
    let hi = runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (runs[mid]!.offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    let at = 0;
    for (let i = lo; at < length; i++) {
      const r = runs[i]!;
      const from = offset + at - r.offset;
      const n = Math.min(r.length - from, length - at);
      yield { at, length: n, host: r.host < 0 ? -1 : r.host + from };
      at += n;
    }
  }

  close(): Promise<void> {
    return this.fh.close();
  }

  toString(): string {
    return `qcow2 ${this.file}`;
  }
}

/** readFully for a source's data reads: an error names the file (ImageSourceError). */
export async function readFileRange(fd: number, buf: Buffer, position: number, file: string): Promise<number> {
  try {
    return await readFully(fd, buf, position);
  } catch (err) {
    throw new ImageSourceError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads until `buf` is full or the file ends; returns the bytes read. */
async function readFully(fd: number, buf: Buffer, position: number): Promise<number> {
  let at = 0;
  while (at < buf.length) {
    const n = await pread(fd, buf, at, buf.length - at, position + at);
    if (n === 0) break;
    at += n;
  }
  return at;
}
