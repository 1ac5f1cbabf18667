import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../version.js';
import { UndercloudError } from '../errors.js';

/** The one list of Debian packages an undercloud needs (undercloud/install/debian-packages.txt). */
export function undercloudPackages(): string[] {
  return readPackageList(path.join(projectRoot(), 'undercloud', 'install', 'debian-packages.txt'));
}

export function readPackageList(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '');
}

/** Packages from `names` that dpkg does not report as installed. */
export function missingPackages(names: readonly string[]): string[] {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\n', ...names], { encoding: 'utf8' });
  const installed = new Set(
    (r.stdout ?? '').split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]),
  );
  return names.filter((n) => !installed.has(n));
}

/** apt-get install of the given packages; never removes anything (a package list ending in "-" would). */
export function aptInstall(names: readonly string[]): void {
  if (names.length === 0) return;
  const bad = names.filter((n) => !/^[a-z0-9][a-z0-9+.-]*[a-z0-9+.]$/.test(n));
  if (bad.length > 0) throw new UndercloudError('PACKAGES_INVALID', `refusing to pass these to apt-get: ${bad.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) throw new UndercloudError('PACKAGES_FAILED', 'apt-get update failed (see its output above)');
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { stdio: 'inherit', env });
  if (r.status !== 0) throw new UndercloudError('PACKAGES_FAILED', `apt-get install failed for: ${names.join(' ')} (see its output above)`);
}
