/**
 * The image store: registers what `overcloud image build` produced (read from its manifest), keeps the
 * files in the images folder (hard-linked when on the same filesystem, copied otherwise), checks every
 * file's sha256 against the manifest, and answers list/show. The HTTP boot server and the NBD writer
 * read image paths and checksums from here.
 *
 * Digests per disk image file (raw, qcow2): `sha256` in image_files is the file's own (the builder's
 * `.sha256`; for qcow2 that is the container, not the disk). At upload the store also records, in the same
 * pass for a raw file, the digests of the logical content (image_file_digests, migration 301): the
 * `sha256-tree-1m` the NBD writer verifies a read-back against, and the plain `sha256` of the disk (= the
 * file's sha256 for raw). `writeExpectations` hands both to a deploy: `expectedDigest` (no hashing while
 * writing; the read-back must match) and `expectedSha256` (checked on the stream written).
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { EventBus } from '../events/event-bus.js';
import { ImagesRepo, type ImageFile, type ImageFormat, type ImageRecord } from '../store/images.js';
import { ImageDigestsRepo } from '../store/image-digests.js';
import type { Store } from '../store/store.js';
import { sha256File } from '../../disk-image-builder/outputs.js';
import { DIGEST_ALGORITHM } from '../nbd/digest.js';
import { imageFileDigests, imageLogicalDigests } from '../nbd/verify.js';
import { ImageChecksumError, ImageExistsError, ImageManifestInvalidError, ImageNotFoundError } from './errors.js';

const FORMATS: readonly ImageFormat[] = ['raw', 'qcow2', 'kernel', 'initramfs'];

interface ManifestShape {
  name?: unknown;
  ramdisk?: unknown;
  outputs?: { file?: unknown; format?: unknown; size?: unknown; sha256?: unknown }[];
}

/** Digests of a disk image file's logical content (undefined: not computed, e.g. qemu could not read it). */
export interface LogicalDigests {
  treeDigest: string | undefined;
  sha256: string | undefined;
}

/** What a deploy passes to writeImage for one file of an image. */
export interface WriteExpectations {
  path: string;
  format: 'raw' | 'qcow2';
  /** The `sha256-tree-1m` of the logical content: writeImage's `expectedDigest`. */
  expectedDigest?: string;
  /** The plain sha256 of the logical content: writeImage's `expectedSha256`. */
  expectedSha256?: string;
}

const DISK_FORMATS: readonly ImageFormat[] = ['raw', 'qcow2'];

export interface UploadRequest {
  manifestPath: string;
  /** Register under this name instead of the manifest's. */
  name?: string;
  replace: boolean;
}

export class ImageStore {
  readonly repo: ImagesRepo;
  readonly digestsRepo: ImageDigestsRepo;
  constructor(private readonly store: Store, readonly dir: string, private readonly bus: EventBus) {
    this.repo = new ImagesRepo(store);
    this.digestsRepo = new ImageDigestsRepo(store);
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
    const logical = new Map<ImageFormat, LogicalDigests>();
    const unreadable: Record<string, string> = {};
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
        let actual: string;
        if (o.format === 'raw') {
          // One read of the file gives its sha256 (= the disk's) and the tree digest.
          const d = await imageFileDigests(target, 'raw', signal);
          actual = d.fileSha256;
          logical.set('raw', { treeDigest: d.treeDigest, sha256: d.sha256 });
        } else {
          actual = await sha256File(target);
        }
        if (actual !== o.sha256) throw new ImageChecksumError(src, o.sha256, actual);
        if (o.format === 'qcow2') {
          const d = await this.logicalDigests(target, 'qcow2', signal);
          logical.set('qcow2', d);
          if (!d.treeDigest) unreadable.qcow2 = d.error;
        }
        files.push({ format: o.format, path: path.join(dest, o.file), size: o.size, sha256: o.sha256 });
      }
      rmSync(dest, { recursive: true, force: true });
      renameSync(staging, dest);
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw err;
    }
    const rec = this.store.tx(() => {
      const r = this.repo.put({ id, name, type: manifest.ramdisk === true ? 'ramdisk' : 'disk', manifest: manifest as Record<string, unknown>, files });
      for (const [format, d] of logical) this.digestsRepo.put(id, format, { [DIGEST_ALGORITHM]: d.treeDigest, sha256: d.sha256 });
      return r;
    });
    const warn = Object.keys(unreadable).length > 0;
    this.bus.publish({
      kind: 'image.registered', subjectType: 'image', subjectId: id, severity: warn ? 'warning' : 'info',
      message: `image ${name} registered (${files.map((f) => f.format).join(', ')})${warn ? `; content digests not computed for ${Object.keys(unreadable).join(', ')}` : ''}`,
      data: { name, replaced: existing !== undefined, ...(warn ? { digestErrors: unreadable } : {}) },
    });
    return rec;
  }

  /** Digests of the logical content of each disk image file of an image, by format. */
  digests(nameOrId: string): Map<ImageFormat, LogicalDigests> {
    const rec = this.get(nameOrId);
    const out = new Map<ImageFormat, LogicalDigests>();
    for (const f of rec.files) if (DISK_FORMATS.includes(f.format)) out.set(f.format, { treeDigest: undefined, sha256: undefined });
    for (const d of this.digestsRepo.list(rec.id)) {
      const e = out.get(d.format as ImageFormat);
      if (!e) continue;
      if (d.algorithm === DIGEST_ALGORITHM) e.treeDigest = d.digest;
      else e.sha256 = d.digest;
    }
    return out;
  }

  /**
   * Computes and records the content digests an image lacks (images registered before migration 301, or
   * whose digests could not be computed then). Returns the digests by format.
   */
  async ensureDigests(nameOrId: string, signal?: AbortSignal): Promise<Map<ImageFormat, LogicalDigests>> {
    const rec = this.get(nameOrId);
    const have = this.digests(rec.id);
    for (const f of rec.files) {
      const d = have.get(f.format);
      if (!d || (d.treeDigest && d.sha256)) continue;
      const got = f.format === 'raw' ? await imageFileDigests(f.path, 'raw', signal) : await this.logicalDigests(f.path, 'qcow2', signal);
      if (f.format === 'raw' && 'fileSha256' in got && got.fileSha256 !== f.sha256) throw new ImageChecksumError(f.path, f.sha256, got.fileSha256);
      if (!got.treeDigest) continue;
      this.digestsRepo.put(rec.id, f.format, { [DIGEST_ALGORITHM]: got.treeDigest, sha256: got.sha256 });
    }
    return this.digests(rec.id);
  }

  /**
   * What a deploy passes to writeImage for the image's `format` file (default: qcow2 when registered, else
   * raw): its path, the tree digest (`expectedDigest`) and the plain sha256 of the disk (`expectedSha256`;
   * for raw files the recorded file sha256, which is the same thing).
   */
  writeExpectations(nameOrId: string, format?: 'raw' | 'qcow2'): WriteExpectations {
    const rec = this.get(nameOrId);
    const file = format ? rec.files.find((f) => f.format === format) : (rec.files.find((f) => f.format === 'qcow2') ?? rec.files.find((f) => f.format === 'raw'));
    if (!file) throw new ImageNotFoundError(`${rec.name} (${format ?? 'disk'} file)`);
    const d = this.digests(rec.id).get(file.format);
    const sha256 = d?.sha256 ?? (file.format === 'raw' ? file.sha256 : undefined);
    return {
      path: file.path, format: file.format as 'raw' | 'qcow2',
      ...(d?.treeDigest ? { expectedDigest: d.treeDigest } : {}), ...(sha256 ? { expectedSha256: sha256 } : {}),
    };
  }

  private async logicalDigests(file: string, format: 'raw' | 'qcow2', signal?: AbortSignal): Promise<LogicalDigests & { error: string }> {
    try {
      return { ...(await imageLogicalDigests(file, format, signal)), error: '' };
    } catch (err) {
      signal?.throwIfAborted();
      return { treeDigest: undefined, sha256: undefined, error: (err as Error).message };
    }
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
