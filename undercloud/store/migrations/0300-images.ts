import type { Migration } from './types.js';

/** The image store: one row per registered image (golden disk or deploy ramdisk), one per file of it. */
export const migration0300Images: Migration = {
  version: 300,
  name: 'images: images, image_files',
  up: `
    CREATE TABLE images (
      id          TEXT PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE,
      type        TEXT NOT NULL CHECK (type IN ('disk','ramdisk')),
      manifest    TEXT NOT NULL DEFAULT '{}',
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL
    );
    CREATE TABLE image_files (
      image_id    TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
      format      TEXT NOT NULL CHECK (format IN ('raw','qcow2','kernel','initramfs')),
      path        TEXT NOT NULL,
      size        INTEGER NOT NULL,
      sha256      TEXT NOT NULL,
      PRIMARY KEY (image_id, format)
    );
  `,
};
