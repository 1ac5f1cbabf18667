import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Store } from '../../../undercloud/store/store.js';
import { EventBus } from '../../../undercloud/events/event-bus.js';
import { ImageStore } from '../../../undercloud/images/image-store.js';
import { TreeHasher } from '../../../undercloud/nbd/digest.js';

let dir: string;
let store: Store;
let images: ImageStore;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function product(name: string, files: Record<string, [string, string]>, ramdisk = false): string {
  const out = path.join(dir, 'build');
  mkdirSync(out, { recursive: true });
  const outputs = Object.entries(files).map(([file, [format, content]]) => {
    writeFileSync(path.join(out, file), content);
    return { file, format, size: content.length, sha256: sha(content) };
  });
  const manifest = path.join(out, `${name}.manifest.json`);
  writeFileSync(manifest, JSON.stringify({ name, ramdisk, elements: ['debian'], outputs }));
  return manifest;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'img-store-'));
  store = Store.open(':memory:');
  images = new ImageStore(store, path.join(dir, 'images'), new EventBus(store));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ImageStore', () => {
  it('registers a build from its manifest, keeps the files and records an event', async () => {
    const rec = await images.upload({ manifestPath: product('golden', { 'golden.qcow2': ['qcow2', 'QFI'], 'golden.raw': ['raw', 'RAW'] }), replace: false });
    expect(rec.type).toBe('disk');
    expect(rec.files.map((f) => f.format)).toEqual(['qcow2', 'raw']);
    for (const f of rec.files) expect(existsSync(f.path)).toBe(true);
    expect(readFileSync(rec.files[0]!.path, 'utf8')).toBe('QFI');
    expect(images.get('golden').id).toBe(rec.id);
    expect(images.get(rec.id).name).toBe('golden');
    expect(store.events.list({ afterId: 0, limit: 10 }).map((e) => e.kind)).toContain('image.registered');
  });

  it('refuses to replace without asking, and replaces keeping the id when asked', async () => {
    const m = product('rd', { 'rd.kernel': ['kernel', 'K'], 'rd.initramfs': ['initramfs', 'I'] }, true);
    const first = await images.upload({ manifestPath: m, replace: false });
    expect(first.type).toBe('ramdisk');
    await expect(images.upload({ manifestPath: m, replace: false })).rejects.toMatchObject({ code: 'IMAGE_EXISTS' });
    const second = await images.upload({ manifestPath: m, replace: true });
    expect(second.id).toBe(first.id);
    expect(images.list().map((i) => i.name)).toEqual(['rd']);
  });

  it('rejects a file whose checksum does not match and leaves nothing behind', async () => {
    const m = product('bad', { 'bad.raw': ['raw', 'RAW'] });
    writeFileSync(path.join(dir, 'build', 'bad.raw'), 'CORRUPT');
    await expect(images.upload({ manifestPath: m, replace: false })).rejects.toMatchObject({ code: 'IMAGE_CHECKSUM_MISMATCH' });
    expect(images.list()).toEqual([]);
  });

  it('rejects relative paths, non-manifests and missing files', async () => {
    await expect(images.upload({ manifestPath: 'x.manifest.json', replace: false })).rejects.toMatchObject({ code: 'IMAGE_MANIFEST_INVALID' });
    writeFileSync(path.join(dir, 'junk.json'), '{"hello": 1}');
    await expect(images.upload({ manifestPath: path.join(dir, 'junk.json'), replace: false })).rejects.toMatchObject({ code: 'IMAGE_MANIFEST_INVALID' });
    const m = product('gone', { 'gone.raw': ['raw', 'R'] });
    rmSync(path.join(dir, 'build', 'gone.raw'));
    await expect(images.upload({ manifestPath: m, replace: false })).rejects.toThrow(/gone\.raw is missing/);
  });

  it('deletes an image and its files; unknown names are IMAGE_NOT_FOUND', async () => {
    const rec = await images.upload({ manifestPath: product('g', { 'g.raw': ['raw', 'R'] }), replace: false });
    await images.delete('g');
    expect(existsSync(rec.files[0]!.path)).toBe(false);
    expect(() => images.get('g')).toThrow(expect.objectContaining({ code: 'IMAGE_NOT_FOUND' }) as Error);
  });
});

describe('ImageStore content digests (migration 301)', () => {
  const tree = (content: string) => {
    const t = new TreeHasher();
    t.data(Buffer.from(content));
    return t.digest();
  };

  it('records the tree digest and the disk sha256 of a raw file at upload, and hands them to a deploy', async () => {
    const rec = await images.upload({ manifestPath: product('golden', { 'golden.raw': ['raw', 'RAW DISK'] }), replace: false });
    expect(images.digests('golden').get('raw')).toEqual({ treeDigest: tree('RAW DISK'), sha256: sha('RAW DISK') });
    expect(images.writeExpectations('golden')).toEqual({ path: rec.files[0]!.path, format: 'raw', expectedDigest: tree('RAW DISK'), expectedSha256: sha('RAW DISK') });
  });

  it('a qcow2 file qemu cannot read is still registered, without content digests, and says so', async () => {
    await images.upload({ manifestPath: product('q', { 'q.qcow2': ['qcow2', 'QFI'], 'q.raw': ['raw', 'R'] }), replace: false });
    const d = images.digests('q');
    expect(d.get('qcow2')).toEqual({ treeDigest: undefined, sha256: undefined });
    expect(d.get('raw')?.sha256).toBe(sha('R'));
    expect(images.writeExpectations('q')).toMatchObject({ format: 'qcow2' });
    expect(images.writeExpectations('q')).not.toHaveProperty('expectedDigest');
    const ev = store.events.list({ afterId: 0, limit: 10 }).find((e) => e.kind === 'image.registered')!;
    expect(ev.severity).toBe('warning');
    expect(ev.message).toMatch(/content digests not computed for qcow2/);
  });

  it('replacing an image replaces its digests; deleting it drops them', async () => {
    const m = product('r', { 'r.raw': ['raw', 'ONE'] });
    await images.upload({ manifestPath: m, replace: false });
    const m2 = product('r', { 'r.raw': ['raw', 'TWO'] });
    const rec = await images.upload({ manifestPath: m2, replace: true });
    expect(images.digests('r').get('raw')).toEqual({ treeDigest: tree('TWO'), sha256: sha('TWO') });
    await images.delete('r');
    expect(images.digestsRepo.list(rec.id)).toEqual([]);
  });

  it('ensureDigests fills in what an image registered before the migration lacks', async () => {
    const rec = await images.upload({ manifestPath: product('old', { 'old.raw': ['raw', 'OLD'] }), replace: false });
    store.sql.prepare('DELETE FROM image_file_digests WHERE image_id = ?').run(rec.id);
    expect(images.writeExpectations('old')).toEqual({ path: rec.files[0]!.path, format: 'raw', expectedSha256: sha('OLD') });
    const d = await images.ensureDigests('old');
    expect(d.get('raw')).toEqual({ treeDigest: tree('OLD'), sha256: sha('OLD') });
    expect(images.writeExpectations('old').expectedDigest).toBe(tree('OLD'));
  });
});
