/**
 * The image store: registers what `overcloud image build` produced (read from its manifest), keeps the
 * files in the images folder (hard-linked when on the same filesystem, copied otherwise), checks every
 * file's sha256 against the manifest, and answers list/show. The HTTP boot server and the NBD writer
 * read image paths and checksums from here.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { EventBus } from '../events/event-bus.js';
import { ImagesRepo, type ImageFile, type ImageFormat, type ImageRecord } from '../store/images.js';
import type { Store } from '../store/store.js';
import { sha256File } from '../../disk-image-builder/outputs.js';
import { ImageChecksumError, ImageExistsError, ImageManifestInvalidError, ImageNotFoundError } from './errors.js';

const FORMATS: readonly ImageFormat[] = ['raw', 'qcow2', 'kernel', 'initramfs'];

interface ManifestShape {
  name?: unknown;
  ramdisk?: unknown;
  outputs?: { file?: unknown; format?: unknown; size?: unknown; sha256?: unknown }[];
}

export interface UploadRequest {
  manifestPath: string;
  /** Register under this name instead of the manifest's. */
  name?: string;
  replace: boolean;
}

export class ImageStore {
  readonly repo: ImagesRepo;
  constructor(store: Store, readonly dir: string, private readonly bus: EventBus) {
    this.repo = new ImagesRepo(store);
  }

  async upload(req: UploadRequest, signal?: AbortSignal): Promise<ImageRecord> {
    const { manifest, outputs } = readManifest(req.manifestPath);
    const name = req.name || String(manifest.name);
    const existing = this.repo.getByName(name);
    if (existing && !req.replace) throw new ImageExistsError(name);
    const id = existing?.id ?? randomUUID();
    const dest = path.join(this.dir, id);
    const staging = `${dest}.new-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const files: ImageFile[] = [];
    try {
      for (const o of outputs) {
        signal?.throwIfAborted();
        const src = path.join(path.dirname(req.manifestPath), o.file);
        const target = path.join(staging, o.file);
        try {
          linkSync(src, target);
        } catch {
          copyFileSync(src, target);
        }
        const actual = await sha256File(target);
        if (actual !== o.sha256) throw new ImageChecksumError(src, o.sha256, actual);
        files.push({ format: o.format, path: path.join(dest, o.file), size: o.size, sha256: o.sha256 });
      }
      rmSync(dest, { recursive: true, force: true });
      renameSync(staging, dest);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    const rec = this.repo.put({ id, name, type: manifest.ramdisk === true ? 'ramdisk' : 'disk', manifest: manifest as Record<string, unknown>, files });
    this.bus.publish({ kind: 'image.registered', subjectType: 'image', subjectId: id, severity: 'info', message: `image ${name} registered (${files.map((f) => f.format).join(', ')})`, data: { name, replaced: existing !== undefined } });
    return rec;
  }

  list(): ImageRecord[] {
    return this.repo.list();
  }

  get(nameOrId: string): ImageRecord {
    const rec = this.repo.getByName(nameOrId) ?? this.repo.get(nameOrId);
    if (!rec) throw new ImageNotFoundError(nameOrId);
    return rec;
  }

  async delete(nameOrId: string): Promise<void> {
    const rec = this.get(nameOrId);
    this.repo.delete(rec.id);
    rmSync(path.join(this.dir, rec.id), { recursive: true, force: true });
    this.bus.publish({ kind: 'image.deleted', subjectType: 'image', subjectId: rec.id, severity: 'info', message: `image ${rec.name} deleted`, data: { name: rec.name } });
  }
}

function readManifest(file: string): { manifest: ManifestShape; outputs: { file: string; format: ImageFormat; size: number; sha256: string }[] } {
  if (!path.isAbsolute(file)) throw new ImageManifestInvalidError(file, 'the manifest path must be absolute (the daemon resolves it)');
  let manifest: ManifestShape;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as ManifestShape;
  } catch (err) {
    throw new ImageManifestInvalidError(file, `cannot read: ${(err as Error).message}`);
  }
  if (typeof manifest.name !== 'string' || !Array.isArray(manifest.outputs) || manifest.outputs.length === 0) {
    throw new ImageManifestInvalidError(file, 'not an image manifest (needs name and outputs)');
  }
  const outputs = manifest.outputs.map((o, i) => {
    if (typeof o.file !== 'string' || o.file.includes('/') || !FORMATS.includes(o.format as ImageFormat) || typeof o.sha256 !== 'string' || typeof o.size !== 'number') {
      throw new ImageManifestInvalidError(file, `outputs[${i}] is malformed`);
    }
    if (!existsSync(path.join(path.dirname(file), o.file))) throw new ImageManifestInvalidError(file, `outputs[${i}]: ${o.file} is missing`);
    return { file: o.file, format: o.format as ImageFormat, size: o.size, sha256: o.sha256 };
  });
  return { manifest, outputs };
}
