/** The [images] section of undercloud.conf: where registered images are kept. */
import path from 'node:path';
import { defineSection, sectionOf } from '../daemon/config-sections.js';
import type { DaemonConfig } from '../daemon/config.js';

export interface ImagesConfig {
  /** Folder of registered image files; undefined = `<state_dir>/images`. */
  dir: string | undefined;
}

export const imagesSection = defineSection<ImagesConfig>({
  name: 'images',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      dir: { type: 'string', minLength: 1, description: 'Folder of registered images (default: <state_dir>/images).' },
    },
  },
  compile: (raw, resolvePath) => ({ dir: raw.dir === undefined ? undefined : resolvePath(String(raw.dir)) }),
});

/** The folder registered images live in: [images] dir, or `<state_dir>/images`. */
export function imagesDirOf(config: DaemonConfig): string {
  return sectionOf(config, imagesSection)?.dir ?? path.join(config.stateDir, 'images');
}
