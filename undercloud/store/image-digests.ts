/**
 * Repository of the digests of disk image files' logical content (migration 301). The file's own sha256
 * stays in image_files (store/images.ts); these rows go with their file.
 */
import type { Store } from './store.js';

export type ImageDigestAlgorithm = 'sha256-tree-1m' | 'sha256';

export interface ImageFileDigest {
  format: string;
  algorithm: ImageDigestAlgorithm;
  digest: string;
  computedAt: string;
}

interface Row { format: string; algorithm: ImageDigestAlgorithm; digest: string; computed_at: string }

export class ImageDigestsRepo {
  constructor(private readonly store: Store) {}

  /** Records (or replaces) digests of one file of an image; the file's row must exist. */
  put(imageId: string, format: string, digests: Partial<Record<ImageDigestAlgorithm, string>>): void {
    const now = new Date().toISOString();
    this.store.tx(() => {
      const ins = this.store.prepare(`INSERT INTO image_file_digests (image_id, format, algorithm, digest, computed_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(image_id, format, algorithm) DO UPDATE SET digest = excluded.digest, computed_at = excluded.computed_at`);
      for (const [algorithm, digest] of Object.entries(digests)) if (digest) ins.run(imageId, format, algorithm, digest, now);
    });
  }

  list(imageId: string): ImageFileDigest[] {
    const rows = this.store.prepare('SELECT format, algorithm, digest, computed_at FROM image_file_digests WHERE image_id = ? ORDER BY format, algorithm').all(imageId) as Row[];
    return rows.map((r) => ({ format: r.format, algorithm: r.algorithm, digest: r.digest, computedAt: r.computed_at }));
  }
}
