/** Small test images: data in scattered, unaligned places, an allocated-but-zero run, and holes. */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync, ftruncateSync } from 'node:fs';

export const MiB = 1024 * 1024;

export function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 7 + (i >> 9)) & 0xff || 1;
  return b;
}

/** An 8 MiB raw image; returns its path. */
export function makeRawImage(file: string, size = 8 * MiB): string {
  const fd = openSync(file, 'w');
  ftruncateSync(fd, size);
  writeSync(fd, pattern(100_000, 1), 0, 100_000, 0);
  writeSync(fd, pattern(3 * MiB + 777, 2), 0, 3 * MiB + 777, MiB + 4096);
  writeSync(fd, Buffer.alloc(MiB), 0, MiB, 5 * MiB); // allocated zeros: must go as zeros, not data
  writeSync(fd, pattern(5000, 3), 0, 5000, size - 5000);
  closeSync(fd);
  return file;
}

/** qemu-img, failing with the Debian package to install when it is missing. */
export function qemuImg(args: string[]): string {
  try {
    return execFileSync('qemu-img', args, { encoding: 'utf8' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('qemu-img is missing: install the Debian package qemu-utils');
    throw err;
  }
}

export function toQcow2(raw: string, out: string, compressed = false): string {
  qemuImg(['convert', ...(compressed ? ['-c'] : []), '-f', 'raw', '-O', 'qcow2', raw, out]);
  return out;
}

/** `qemu-img compare` (exit 0 = identical content; a larger target must read zeros beyond the image). */
export function qemuCompare(image: string, imageFormat: 'raw' | 'qcow2', target: string, targetFormat: 'raw' | 'qcow2'): { ok: boolean; output: string } {
  try {
    const output = qemuImg(['compare', '-f', imageFormat, '-F', targetFormat, image, target]);
    return { ok: true, output };
  } catch (err) {
    if (/install the Debian package/.test((err as Error).message)) throw err;
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
