/** `overcloud image list|show|upload|delete`: the daemon's image store, through undercloud.v1.Images. */
import type { Command } from 'commander';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ImagesClient, type Image } from '../../../proto/gen/undercloud/v1/images.js';
import { call, connect } from '../common/client.js';
import { renderData, renderFields, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { InvalidError } from '../../errors.js';

const view = (i: Image) => ({ id: i.id, name: i.name, type: i.type, files: i.files, created_at: i.createdAt, updated_at: i.updatedAt });
const UPLOAD_TIMEOUT_MS = 30 * 60_000;

export function registerImageStoreCommands(image: Command): void {
  image
    .command('list')
    .description('list registered images')
    .action(async (_o: object, cmd: Command) => {
      const g = globals(cmd);
      const conn = connect(g.config);
      try {
        const client = conn.client(ImagesClient);
        const res = await call(conn, client.listImages, client, {});
        out(renderData(res.images.map(view), g.format, () => renderTable(res.images, [
          { header: 'ID', get: (i) => i.id }, { header: 'Name', get: (i) => i.name }, { header: 'Type', get: (i) => i.type },
          { header: 'Formats', get: (i) => i.files.map((f) => f.format).join(',') }, { header: 'Updated', get: (i) => i.updatedAt },
        ])));
      } finally {
        conn.close();
      }
    });
  image
    .command('show <name>')
    .description('show one image: files, sizes, checksums and its build manifest summary')
    .action(async (name: string, _o: object, cmd: Command) => {
      const g = globals(cmd);
      const conn = connect(g.config);
      try {
        const client = conn.client(ImagesClient);
        const i = await call(conn, client.getImage, client, { nameOrId: name });
        const manifest = JSON.parse(i.manifestJson || '{}') as { elements?: string[]; packages?: unknown[]; release?: string; builtAt?: string; buildSeconds?: number };
        const data = { ...view(i), manifest };
        out(renderData(data, g.format, () => renderFields({
          id: i.id, name: i.name, type: i.type, release: manifest.release, built_at: manifest.builtAt, build_seconds: manifest.buildSeconds,
          elements: (manifest.elements ?? []).join(' '), packages: manifest.packages?.length ?? 0,
          ...Object.fromEntries(i.files.map((f) => [`file.${f.format}`, `${f.path} (${f.size} bytes, sha256 ${f.sha256})`])),
        })));
      } finally {
        conn.close();
      }
    });
  image
    .command('upload')
    .description('register the images built into a folder (every <name>.manifest.json there) with the undercloud')
    .option('--image-path <dir>', 'folder with the build products', '.')
    .option('--image <name...>', 'only these images')
    .option('--update-existing', 'replace images that are already registered', false)
    .action(async (opts: { imagePath: string; image?: string[]; updateExisting: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const dir = path.resolve(opts.imagePath);
      const manifests = readdirSync(dir).filter((f) => f.endsWith('.manifest.json')).filter((f) => !opts.image || opts.image.includes(f.slice(0, -'.manifest.json'.length)));
      if (manifests.length === 0) throw new InvalidError('IMAGE_MANIFEST_INVALID', `no image manifests (*.manifest.json) in ${dir}; run "overcloud image build --output-dir ${opts.imagePath}" first`);
      const conn = connect(g.config);
      try {
        const client = conn.client(ImagesClient);
        const done: Image[] = [];
        for (const m of manifests) {
          done.push(await call(conn, client.uploadImage, client, { manifestPath: path.join(dir, m), name: '', replace: opts.updateExisting }, UPLOAD_TIMEOUT_MS));
        }
        out(renderData(done.map(view), g.format, () => renderTable(done, [
          { header: 'ID', get: (i) => i.id }, { header: 'Name', get: (i) => i.name }, { header: 'Type', get: (i) => i.type },
          { header: 'Formats', get: (i) => i.files.map((f) => f.format).join(',') },
        ])));
      } finally {
        conn.close();
      }
    });
  image
    .command('delete <name>')
    .description('remove a registered image and its files')
    .action(async (name: string, _o: object, cmd: Command) => {
      const g = globals(cmd);
      const conn = connect(g.config);
      try {
        const client = conn.client(ImagesClient);
        await call(conn, client.deleteImage, client, { nameOrId: name });
        out(renderData({ deleted: name }, g.format, () => `deleted ${name}\n`));
      } finally {
        conn.close();
      }
    });
}
