import { describe, expect, it } from 'vitest';
import { ImageSourceError } from '../../../undercloud/nbd/errors.js';
import { QCOW2_MAGIC, Qcow2Unsupported, parseQcow2 } from '../../../undercloud/nbd/qcow2.js';

/**
 * A hand-built qcow2 file (cluster size 512, so one L2 table maps 64 clusters = 32 KiB): header at 0, L1 at
 * cluster 1, L2 tables and data clusters after. `l2` gives, per L1 index, the raw 64-bit L2 entries (or
 * undefined for an unallocated L2 table).
 */
function qcow2(opts: { version?: number; size: number; l2: (bigint[] | undefined)[]; incompatible?: bigint; backing?: boolean; crypt?: number; l1Extra?: bigint }): { file: Buffer; read: (buf: Buffer, pos: number) => Promise<number> } {
  const cluster = 512;
  const version = opts.version ?? 3;
  const clusters: Buffer[] = [Buffer.alloc(cluster), Buffer.alloc(cluster)]; // header, L1
  const h = clusters[0]!;
  h.writeUInt32BE(QCOW2_MAGIC, 0);
  h.writeUInt32BE(version, 4);
  if (opts.backing) h.writeBigUInt64BE(300n, 8);
  h.writeUInt32BE(9, 20); // cluster_bits
  h.writeBigUInt64BE(BigInt(opts.size), 24);
  h.writeUInt32BE(opts.crypt ?? 0, 32);
  h.writeUInt32BE(opts.l2.length, 36);
  h.writeBigUInt64BE(BigInt(cluster), 40); // L1 at cluster 1
  if (version === 3) {
    h.writeBigUInt64BE(opts.incompatible ?? 0n, 72);
    h.writeUInt32BE(4, 96);
    h.writeUInt32BE(104, 100);
  }
  opts.l2.forEach((entries, i) => {
    if (!entries) return;
    const at = clusters.length * cluster;
    const t = Buffer.alloc(cluster);
    entries.forEach((e, j) => t.writeBigUInt64BE(e, j * 8));
    clusters.push(t);
    clusters[1]!.writeBigUInt64BE(BigInt(at) | (1n << 63n) | (opts.l1Extra ?? 0n), i * 8);
  });
  const file = Buffer.concat(clusters);
  return { file, read: async (buf, pos) => file.copy(buf, 0, pos, Math.min(file.length, pos + buf.length)) };
}

const data = (host: number) => BigInt(host) | (1n << 63n);

describe('parseQcow2', () => {
  it('maps data, unallocated and zero-flagged clusters, merging contiguous host runs, clamped to the size', async () => {
    // L2 table 0: clusters 0,1 data at host 4096, 4608 (contiguous), 2 unallocated, 3 zero flag, 4 data at 8192,
    // 5 zero flag with a preallocated offset; the rest unallocated. L2 table 1: unallocated.
    const entries = [data(4096), data(4608), 0n, 1n, data(8192), data(9216) | 1n];
    const { file, read } = qcow2({ size: 64 * 512 + 700, l2: [entries, undefined] });
    const l = await parseQcow2(read, Math.max(file.length, 16384));
    expect(l.clusterSize).toBe(512);
    expect(l.runs).toEqual([
      { offset: 0, length: 1024, host: 4096 },
      { offset: 1024, length: 1024, host: -1 },
      { offset: 2048, length: 512, host: 8192 },
      { offset: 2560, length: 64 * 512 + 700 - 2560, host: -1 },
    ]);
  });

  it('refuses what it leaves to qemu-nbd: compressed clusters, backing files, encryption, dirty, subclusters, reserved bits, v2 zero flag', async () => {
    const cases: Parameters<typeof qcow2>[0][] = [
      { size: 1024, l2: [[data(4096) | (1n << 62n)]] },
      { size: 1024, l2: [[data(4096)]], backing: true },
      { size: 1024, l2: [[data(4096)]], crypt: 1 },
      { size: 1024, l2: [[data(4096)]], incompatible: 1n },
      { size: 1024, l2: [[data(4096)]], incompatible: 1n << 4n },
      { size: 1024, l2: [[data(4096) | 2n]] },
      { size: 1024, l2: [[data(4096)]], l1Extra: 1n << 57n },
      { size: 1024, l2: [[data(4100)]] },
      { version: 2, size: 1024, l2: [[1n]] },
    ];
    for (const c of cases) {
      const { read } = qcow2(c);
      await expect(parseQcow2(read, 16384)).rejects.toBeInstanceOf(Qcow2Unsupported);
    }
  });

  it('accepts the zstd compression-type bit when no cluster is compressed, and version 2 images', async () => {
    for (const c of [{ size: 512, l2: [[data(4096)]], incompatible: 1n << 3n }, { version: 2, size: 512, l2: [[data(4096)]] }]) {
      const { read } = qcow2(c);
      expect((await parseQcow2(read, 16384)).runs).toEqual([{ offset: 0, length: 512, host: 4096 }]);
    }
  });

  it('is not qcow2 at all: bad magic or a truncated header', async () => {
    const junk = Buffer.from('QFI');
    await expect(parseQcow2(async (b, p) => junk.copy(b, 0, p), 3)).rejects.toBeInstanceOf(ImageSourceError);
    const raw = Buffer.alloc(4096, 7);
    await expect(parseQcow2(async (b, p) => raw.copy(b, 0, p), 4096)).rejects.toBeInstanceOf(ImageSourceError);
  });

  it('refuses L1/L2 tables outside the file', async () => {
    const { file, read } = qcow2({ size: 1024, l2: [[data(4096)]] });
    await expect(parseQcow2(read, file.length - 100)).rejects.toBeInstanceOf(Qcow2Unsupported);
  });
});
