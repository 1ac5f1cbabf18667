/**
 * The build's products: the disk in each requested format (raw, qcow2), a `.sha256` beside each file
 * (sha256sum format, so `sha256sum -c` works), and `<name>.manifest.json`: elements, packages with
 * versions, the node agent bundle's checksum, layout, cache use and timings.
 */
import { createHash } from 'node:crypto';
import { createReadStream, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, type RunOptions } from './exec.js';
import type { ImageDefinition } from './image-definition.js';

export interface ManifestOutput {
  file: string;
  format: 'raw' | 'qcow2' | 'kernel' | 'initramfs';
  size: number;
  sha256: string;
}

export interface Manifest {
  name: string;
  ramdisk: boolean;
  builtAt: string;
  startedAt: string;
  buildSeconds: number;
  elements: string[];
  provided: Record<string, string>;
  release: string;
  mirror: string;
  cacheKey: string;
  cacheHit: boolean;
  packages: { name: string; version: string }[];
  /** The node agent bundle in the image (/opt/undercloud-agent/undercloud-agent.cjs), when it has one. */
  agent?: { source: string; size: number; sha256: string } | undefined;
  layout: { totalMiB: number; espMiB: number; rootMiB: number; rootPartuuid: string; espPartuuid: string; rootLabel: string } | undefined;
  outputs: ManifestOutput[];
  timings: { step: string; seconds: number }[];
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function describeOutput(file: string, format: ManifestOutput['format']): Promise<ManifestOutput> {
  const sha256 = await sha256File(file);
  rmSync(`${file}.sha256`, { force: true });
  writeFileSync(`${file}.sha256`, `${sha256}  ${path.basename(file)}\n`);
  return { file: path.basename(file), format, size: statSync(file).size, sha256 };
}

export async function writeOutputs(
  p: { def: ImageDefinition; outputDir: string; raw: string | undefined; ramdiskOutputs: ManifestOutput[]; manifest: Omit<Manifest, 'name' | 'ramdisk' | 'builtAt' | 'buildSeconds' | 'outputs'> },
  opts: RunOptions,
): Promise<{ outputs: ManifestOutput[]; manifestPath: string }> {
  const outputs = [...p.ramdiskOutputs];
  if (p.raw) {
    const base = path.join(p.outputDir, p.def.imagename);
    // qcow2 first, from the raw file still in the build folder; then move the raw file if asked for.
    // Old products are unlinked first, never overwritten in place: the image store may hold hard links to them.
    for (const ext of ['qcow2', 'raw', 'qcow2.sha256', 'raw.sha256']) rmSync(`${base}.${ext}`, { force: true });
    if (p.def.outputs.includes('qcow2')) {
      await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', p.raw, `${base}.qcow2`], opts);
      outputs.push(await describeOutput(`${base}.qcow2`, 'qcow2'));
    }
    if (p.def.outputs.includes('raw')) {
      renameSync(p.raw, `${base}.raw`);
      outputs.push(await describeOutput(`${base}.raw`, 'raw'));
    }
  }
  const started = Date.parse(p.manifest.startedAt);
  const manifest: Manifest = {
    name: p.def.imagename, ramdisk: p.def.ramdisk, builtAt: new Date().toISOString(), buildSeconds: (Date.now() - started) / 1000, ...p.manifest, outputs,
  };
  const manifestPath = path.join(p.outputDir, `${p.def.imagename}.manifest.json`);
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return { outputs, manifestPath };
}
