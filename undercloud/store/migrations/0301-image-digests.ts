import type { Migration } from './types.js';

/**
 * Digests of a disk image file's logical content (the virtual disk a deploy writes), next to the file's own
 * sha256 in image_files: `sha256-tree-1m`, which the NBD writer verifies by reading the target back, and
 * `sha256`, the plain SHA-256 of the logical content (equal to the file's sha256 for raw files, different
 * for qcow2). Rows go with their file (cascade), so replacing an image drops stale digests. Images
 * registered before this migration have none until `ImageStore.ensureDigests` computes them.
 */
export const migration0301ImageDigests: Migration = {
  version: 301,
  name: 'images: image_file_digests',
  up: `
    CREATE TABLE image_file_digests (
      image_id    TEXT NOT NULL,
      format      TEXT NOT NULL,
      algorithm   TEXT NOT NULL CHECK (algorithm IN ('sha256-tree-1m','sha256')),
      digest      TEXT NOT NULL,
      computed_at TEXT NOT NULL,
      PRIMARY KEY (image_id, format, algorithm),
      FOREIGN KEY (image_id, format) REFERENCES image_files (image_id, format) ON DELETE CASCADE
    );
  `,
};
