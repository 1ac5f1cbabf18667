/**
 * The build cache, keyed by content: the base root filesystem is a tarball named after a hash of what
 * went into it (mirror, release, variant, the sorted package list and the bootstrap scripts' text), and
 * the apt archives (.deb files) are kept in one shared folder so a rebuild with one more package only
 * downloads that package. A warm build unpacks the tarball instead of bootstrapping.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface RootfsKeyInput {
  mirror: string;
  release: string;
  variant: string;
  packages: readonly string[];
  /** Paths of the scripts that build the base (their text is part of the key). */
  bootstrapScripts: readonly string[];
}

export function rootfsCacheKey(input: RootfsKeyInput): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: 1, mirror: input.mirror.replace(/\/+$/, ''), release: input.release, variant: input.variant, packages: [...new Set(input.packages)].sort() }));
  for (const s of input.bootstrapScripts) h.update('\0' + readFileSync(s, 'utf8'));
  return h.digest('hex').slice(0, 24);
}

export interface CachePaths {
  dir: string;
  rootfsTar: string;
  rootfsInfo: string;
  aptArchives: string;
}

export function cachePaths(cacheDir: string, key: string): CachePaths {
  return {
    dir: cacheDir,
    rootfsTar: path.join(cacheDir, 'rootfs', `${key}.tar`),
    rootfsInfo: path.join(cacheDir, 'rootfs', `${key}.json`),
    aptArchives: path.join(cacheDir, 'apt-archives'),
  };
}

/** What an offline build would lack, in words an operator can act on; empty when the cache suffices. */
export function offlineMissing(paths: CachePaths, input: RootfsKeyInput): string[] {
  if (existsSync(paths.rootfsTar)) return [];
  const debs = existsSync(paths.aptArchives) ? readdirSync(paths.aptArchives).filter((f) => f.endsWith('.deb')) : [];
  const have = new Set(debs.map((f) => f.split('_')[0]));
  const lacking = input.packages.filter((p) => !have.has(p));
  return [
    `base root filesystem for ${input.release} from ${input.mirror} with packages ${[...input.packages].sort().join(',')} (${paths.rootfsTar})`,
    ...(lacking.length > 0 ? [`apt archives of ${lacking.join(', ')} (${paths.aptArchives})`] : []),
  ];
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/root', '.cache');
  return path.join(base, 'undercloud', 'disk-image-builder');
}
