/** Repository of the image store's records (files themselves live in the images folder). */
import type { Store } from './store.js';

export type ImageType = 'disk' | 'ramdisk';
export type ImageFormat = 'raw' | 'qcow2' | 'kernel' | 'initramfs';

export interface ImageFile {
  format: ImageFormat;
  path: string;
  size: number;
  sha256: string;
}

export interface ImageRecord {
  id: string;
  name: string;
  type: ImageType;
  manifest: Record<string, unknown>;
  files: ImageFile[];
  createdAt: string;
  updatedAt: string;
}

interface ImageRow { id: string; name: string; type: ImageType; manifest: string; created_at: string; updated_at: string }
interface FileRow { image_id: string; format: ImageFormat; path: string; size: number; sha256: string }

export class ImagesRepo {
  constructor(private readonly store: Store) {}

  /** Inserts or replaces the image called `image.name`, keeping its id when it existed. */
  put(image: Omit<ImageRecord, 'createdAt' | 'updatedAt'>): ImageRecord {
    const now = new Date().toISOString();
    return this.store.tx(() => {
      const sql = this.store.sql;
      sql.prepare(`INSERT INTO images (id, name, type, manifest, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, type = excluded.type, manifest = excluded.manifest, updated_at = excluded.updated_at`)
        .run(image.id, image.name, image.type, JSON.stringify(image.manifest), now, now);
      sql.prepare('DELETE FROM image_files WHERE image_id = ?').run(image.id);
      const ins = sql.prepare('INSERT INTO image_files (image_id, format, path, size, sha256) VALUES (?, ?, ?, ?, ?)');
      for (const f of image.files) ins.run(image.id, f.format, f.path, f.size, f.sha256);
      return this.get(image.id)!;
    });
  }

  get(id: string): ImageRecord | undefined {
    const row = this.store.sql.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && this.withFiles(row);
  }

  getByName(name: string): ImageRecord | undefined {
    const row = this.store.sql.prepare('SELECT * FROM images WHERE name = ?').get(name) as ImageRow | undefined;
    return row && this.withFiles(row);
  }

  list(): ImageRecord[] {
    const rows = this.store.sql.prepare('SELECT * FROM images ORDER BY name').all() as ImageRow[];
    return rows.map((r) => this.withFiles(r));
  }

  delete(id: string): boolean {
    return this.store.sql.prepare('DELETE FROM images WHERE id = ?').run(id).changes === 1;
  }

  private withFiles(r: ImageRow): ImageRecord {
    const files = this.store.sql.prepare('SELECT * FROM image_files WHERE image_id = ? ORDER BY format').all(r.id) as FileRow[];
    return {
      id: r.id, name: r.name, type: r.type, manifest: JSON.parse(r.manifest) as Record<string, unknown>,
      files: files.map((f) => ({ format: f.format, path: f.path, size: f.size, sha256: f.sha256 })), createdAt: r.created_at, updatedAt: r.updated_at,
    };
  }
}
