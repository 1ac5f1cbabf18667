/**
 * `undercloud backup` and `undercloud restore`: what an undercloud cannot rebuild, in one archive. TripleO's
 * `openstack undercloud backup` keeps the database and the configuration; ours holds:
 *
 * - `undercloud.conf`;
 * - `undercloud.sqlite`: the store (nodes and their BMC credentials, stacks, agents, events), copied with
 *   VACUUM INTO, a consistent snapshot even while the daemon writes;
 * - `pki/`: the undercloud CA and certificates. Deployed nodes' agents trust this CA only: an undercloud
 *   rebuilt without it could not talk to the overcloud it deployed;
 * - `images/` with --include-images (golden images can be rebuilt or uploaded again, and are large);
 * - `manifest.json`: format, version, time, host.
 *
 * The archive is mode 0600 from its first byte: it holds the CA key and BMC passwords. A restore needs the
 * daemon stopped, checks the archive's store (it opens, migrates to this version, passes SQLite's integrity
 * check) before it touches anything, and keeps whatever it replaces beside it as NAME.before-restore-TIME,
 * so a restore loses nothing. Replacing an existing store, config or CA needs --force.
 */
import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig, type DaemonConfig } from '../daemon/config.js';
import { socketAnswers } from '../daemon/socket.js';
import { imagesDirOf } from '../images/config.js';
import { Store } from '../store/store.js';
import { ConflictError, InvalidError, UndercloudError } from '../errors.js';
import { version } from '../version.js';

export const BACKUP_FORMAT = 'undercloud-backup-1';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: string;
  createdAt: string;
  hostname: string;
  /** Where the config was: restore writes it to its own --config path. */
  configFile: string;
  contents: string[];
}

export interface RestoreStep {
  what: string;
  path: string;
  /** Where the file or folder it replaced was kept. */
  keptAs?: string;
}

/** A failure of tar or of the archive itself. */
export class BackupError extends UndercloudError {
  constructor(message: string) {
    super('BACKUP_FAILED', message);
  }
}

export async function createBackup(config: DaemonConfig, configFile: string, o: { output: string; includeImages: boolean }): Promise<{ file: string; bytes: number; contents: string[] }> {
  const output = path.resolve(o.output);
  if (existsSync(output)) throw new ConflictError('BACKUP_EXISTS', `${output} exists; name another file`);
  if (!existsSync(config.storePath)) throw new InvalidError('STORE_MISSING', `no store at ${config.storePath}: nothing to back up (is ${configFile} the undercloud's config?)`);
  mkdirSync(path.dirname(output), { recursive: true });
  // Staged beside the output, so nothing secret lands in a shared temp folder; tar follows the links.
  const stage = mkdtempSync(path.join(path.dirname(output), '.undercloud-backup-'));
  const partial = `${output}.partial`;
  rmSync(partial, { force: true }); // left by a run that was killed
  try {
    const contents = ['undercloud.conf', 'undercloud.sqlite'];
    cpSync(configFile, path.join(stage, 'undercloud.conf'));
    const store = Store.open(config.storePath, { readonly: true });
    try {
      store.snapshotTo(path.join(stage, 'undercloud.sqlite'));
    } finally {
      store.close();
    }
    if (existsSync(config.pkiDir)) {
      symlinkSync(config.pkiDir, path.join(stage, 'pki'));
      contents.push('pki');
    }
    const images = imagesDirOf(config);
    if (o.includeImages && existsSync(images)) {
      symlinkSync(images, path.join(stage, 'images'));
      contents.push('images');
    }
    const manifest: BackupManifest = { format: BACKUP_FORMAT, version: version(), createdAt: new Date().toISOString(), hostname: hostname(), configFile, contents };
    writeFileSync(path.join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const gzip = /\.(tgz|tar\.gz)$/.test(output);
    await tar(['--create', '--dereference', ...(gzip ? ['--gzip'] : []), '--file', '-', '-C', stage, 'manifest.json', ...contents], partial);
    renameSync(partial, output);
    return { file: output, bytes: statSync(output).size, contents };
  } finally {
    rmSync(stage, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
}

export async function restoreBackup(configFile: string, archive: string, o: { force: boolean }): Promise<RestoreStep[]> {
  if (!existsSync(archive)) throw new InvalidError('BACKUP_MISSING', `${archive} does not exist`);
  const scratch = mkdtempSync(path.join(tmpdir(), 'undercloud-restore-'));
  try {
    await tar(['--extract', '--file', archive, '-C', scratch, '--no-same-owner', '--exclude', './images', '--exclude', 'images']);
    const manifest = readManifest(scratch, archive);
    const confText = readFileSync(path.join(scratch, 'undercloud.conf'), 'utf8');
    // Relative paths in the config are relative to where it will live.
    const target = parseConfig(confText, path.resolve(configFile));
    const current = existsSync(configFile) ? parseConfig(readFileSync(configFile, 'utf8'), path.resolve(configFile)) : undefined;
    for (const c of [current, target]) {
      if (c && existsSync(c.socketPath) && (await socketAnswers(c.socketPath))) throw new ConflictError('DAEMON_RUNNING', `the undercloud daemon answers on ${c.socketPath}: stop it first (undercloud stop)`);
    }
    const images = imagesDirOf(target);
    const replaced = [
      existsSync(configFile) && readFileSync(configFile, 'utf8') !== confText ? configFile : undefined,
      existsSync(target.storePath) ? target.storePath : undefined,
      manifest.contents.includes('pki') && nonEmptyDir(target.pkiDir) ? target.pkiDir : undefined,
      manifest.contents.includes('images') && nonEmptyDir(images) ? images : undefined,
    ].filter((p): p is string => p !== undefined);
    if (replaced.length > 0 && !o.force) {
      throw new ConflictError('RESTORE_WOULD_REPLACE', `restoring would replace ${replaced.join(', ')}; pass --force to replace them (each is kept as NAME.before-restore-TIME)`);
    }
    // The archive's store must open with this version (migrated forward) and be whole before anything moves.
    const restoredStore = path.join(scratch, 'undercloud.sqlite');
    const check = Store.open(restoredStore);
    try {
      const integrity = check.integrityCheck();
      if (integrity !== 'ok') throw new BackupError(`${archive}: its store fails SQLite's integrity check: ${integrity}`);
    } finally {
      check.close();
    }

    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const steps: RestoreStep[] = [];
    // An identical config is left alone (nothing to keep a copy of).
    if (existsSync(configFile) && readFileSync(configFile, 'utf8') === confText) steps.push({ what: 'config', path: path.resolve(configFile) });
    else steps.push(place(path.join(scratch, 'undercloud.conf'), path.resolve(configFile), 'config', stamp));
    for (const suffix of ['-wal', '-shm']) rmSync(`${restoredStore}${suffix}`, { force: true });
    steps.push(place(restoredStore, target.storePath, 'store', stamp, ['-wal', '-shm']));
    if (manifest.contents.includes('pki')) steps.push(place(path.join(scratch, 'pki'), target.pkiDir, 'certificates', stamp));
    if (manifest.contents.includes('images')) {
      // Images are extracted beside their destination: they may not fit in the temp folder.
      mkdirSync(path.dirname(images), { recursive: true });
      const near = mkdtempSync(path.join(path.dirname(images), '.restore-images-'));
      try {
        await tar(['--extract', '--file', archive, '-C', near, '--no-same-owner', 'images']);
        steps.push(place(path.join(near, 'images'), images, 'images', stamp));
      } finally {
        rmSync(near, { recursive: true, force: true });
      }
    }
    return steps;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function readManifest(dir: string, archive: string): BackupManifest {
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Partial<BackupManifest>;
  } catch {
    throw new InvalidError('BACKUP_INVALID', `${archive} is not an undercloud backup (no readable manifest.json)`);
  }
  if (m.format !== BACKUP_FORMAT) throw new InvalidError('BACKUP_INVALID', `${archive}: unknown backup format ${JSON.stringify(m.format)} (this undercloud reads ${BACKUP_FORMAT})`);
  for (const f of ['undercloud.conf', 'undercloud.sqlite']) if (!existsSync(path.join(dir, f))) throw new InvalidError('BACKUP_INVALID', `${archive} has no ${f}`);
  return m as BackupManifest;
}

/**
 * Moves `src` to `dest` through a sibling of `dest` (so the last step is a rename on one file system), after
 * renaming what was at `dest` (and its `extras`, e.g. a store's -wal) to NAME.before-restore-STAMP.
 */
function place(src: string, dest: string, what: string, stamp: string, extras: string[] = []): RestoreStep {
  mkdirSync(path.dirname(dest), { recursive: true });
  const incoming = `${dest}.restoring`;
  rmSync(incoming, { recursive: true, force: true });
  cpSync(src, incoming, { recursive: true, preserveTimestamps: true });
  let keptAs: string | undefined;
  if (existsSync(dest)) {
    keptAs = `${dest}.before-restore-${stamp}`;
    renameSync(dest, keptAs);
  }
  // A kept store keeps its WAL beside it under the name SQLite looks for (NAME-wal), so it opens whole.
  for (const e of extras) if (existsSync(`${dest}${e}`)) renameSync(`${dest}${e}`, keptAs ? `${keptAs}${e}` : `${dest}${e}.before-restore-${stamp}`);
  renameSync(incoming, dest);
  return { what, path: dest, ...(keptAs ? { keptAs } : {}) };
}

function nonEmptyDir(p: string): boolean {
  try {
    return readdirSync(p).length > 0;
  } catch {
    return false;
  }
}

/**
 * Runs tar, failing with its stderr. With `outFile`, tar writes the archive to stdout and it goes into that
 * file, created with mode 0600 (never readable by others, not even while it is written).
 */
function tar(args: string[], outFile?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('tar', args, { stdio: ['ignore', outFile ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const written = outFile ? new Promise<void>((res, rej) => p.stdout!.pipe(createWriteStream(outFile, { mode: 0o600, flags: 'wx' })).on('finish', res).on('error', rej)) : Promise.resolve();
    p.once('error', (err) => reject(new BackupError(`cannot run tar: ${err.message} (install the tar package)`)));
    p.once('close', (code) => {
      if (code !== 0) return reject(new BackupError(`tar ${args[0]} failed (exit ${code}): ${stderr.trim()}`));
      written.then(resolve, (err: Error) => reject(new BackupError(`cannot write ${outFile}: ${err.message}`)));
    });
  });
}
