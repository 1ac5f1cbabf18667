/**
 * `undercloud backup` and `undercloud restore` with a real daemon, real SQLite and real tar: a backup taken
 * while the daemon runs brings back the nodes, the stack and the CA after the state is lost; a restore
 * refuses while the daemon runs and, without --force, refuses to replace anything; with --force it keeps
 * what it replaced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FAKE_ORCHESTRATION_CONFIG, OVERCLOUD_BIN, ROOT, UNDERCLOUD_BIN, runCli, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { requireTools } from '../../helpers/tools.js';
import Database from 'better-sqlite3';

const INSTACKENV = path.join(ROOT, 'tests', 'fixtures', 'baremetal', 'instackenv-fake.json');
const TEMPLATES = path.join(ROOT, 'tests', 'integration', 'orchestration', 'fixtures', 'overcloud');

let d: TestDaemon;
const uc = (...args: string[]) => runCli(UNDERCLOUD_BIN, args, d.configFile);
const oc = (...args: string[]) => runCli(OVERCLOUD_BIN, args, d.configFile);
const listing = (archive: string) => spawnSync('tar', ['-tf', archive], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l !== '');
const nodeNames = async () => (JSON.parse((await oc('-f', 'json', 'node', 'list')).stdout) as { name: string }[]).map((n) => n.name).sort();

beforeAll(async () => {
  requireTools([['tar', 'tar']]);
  d = await startTestDaemon({ extraConfig: `${FAKE_ORCHESTRATION_CONFIG}\n\n[baremetal]\nsync_power_state_interval = 0\n` });
  expect((await oc('node', 'import', INSTACKENV)).code).toBe(0);
  const deployed = await oc('deploy', '--templates', TEMPLATES, '-e', path.join(TEMPLATES, 'env.yaml'));
  expect(deployed.code, deployed.stderr).toBe(0);
});

afterAll(async () => {
  await d?.stop();
  d?.cleanup();
});

describe('undercloud backup and restore', () => {
  const archive = () => path.join(d.dir, 'backups', 'uc.tar.gz');
  const state = () => path.join(d.dir, 'state');
  const pki = () => path.join(d.dir, 'pki');

  it('backs up while the daemon runs: config, a snapshot of the store, the CA; mode 0600; no images unless asked', async () => {
    const r = await uc('-f', 'json', 'backup', '--output', archive());
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: archive(), contents: ['undercloud.conf', 'undercloud.sqlite', 'pki'] });
    expect(statSync(archive()).mode & 0o777).toBe(0o600);
    const files = listing(archive());
    expect(files).toEqual(expect.arrayContaining(['manifest.json', 'undercloud.conf', 'undercloud.sqlite', 'pki/ca.crt', 'pki/ca.key']));
    expect(files.some((f) => f.startsWith('images'))).toBe(false);
    // Nothing staged is left beside the archive.
    expect(readdirSync(path.dirname(archive()))).toEqual(['uc.tar.gz']);

    const again = await uc('backup', '--output', archive());
    expect(again.code).toBe(6);
    expect(again.stderr).toContain('exists; name another file');
  });

  it('refuses to restore while the daemon answers', async () => {
    const r = await uc('restore', archive());
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('stop it first (undercloud stop)');
  });

  it('brings back nodes, stack and CA after the state and certificates are lost', async () => {
    const ca = readFileSync(path.join(pki(), 'ca.crt'), 'utf8');
    const before = await nodeNames();
    expect(before).toEqual(['cmp-0', 'ctl-0']);
    await d.stop();
    rmSync(state(), { recursive: true });
    rmSync(pki(), { recursive: true });
    const r = await uc('-f', 'json', 'restore', archive());
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { steps: { what: string; keptAs?: string }[] }).steps.map((s) => [s.what, s.keptAs])).toEqual([
      ['config', undefined], ['store', undefined], ['certificates', undefined], // the config was the same: left as it was
    ]);
    expect(readFileSync(path.join(pki(), 'ca.crt'), 'utf8')).toBe(ca);
    await d.restart();
    expect(await nodeNames()).toEqual(before);
    const st = await oc('-f', 'json', 'status');
    expect(JSON.parse(st.stdout)).toMatchObject({ stack_status: 'CREATE_COMPLETE' });
  });

  it('without --force replaces nothing; with --force keeps what it replaced; images come back when archived', async () => {
    mkdirSync(path.join(state(), 'images'), { recursive: true });
    writeFileSync(path.join(state(), 'images', 'marker.raw'), 'not really an image\n');
    const withImages = path.join(d.dir, 'backups', 'with-images.tar');
    const b = await uc('backup', '--output', withImages, '--include-images');
    expect(b.code, b.stderr).toBe(0);
    expect(listing(withImages)).toContain('images/marker.raw');
    await d.kill(); // as after a crash: the store's WAL is still beside it

    const store = path.join(state(), 'undercloud.sqlite');
    const mtime = statSync(store).mtimeMs;
    const refused = await uc('restore', withImages);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain(`restoring would replace ${store}, ${pki()}, ${path.join(state(), 'images')}; pass --force`);
    expect(statSync(store).mtimeMs).toBe(mtime);

    rmSync(path.join(state(), 'images', 'marker.raw'));
    writeFileSync(path.join(state(), 'images', 'newer.raw'), 'x');
    const forced = await uc('-f', 'json', 'restore', withImages, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    const steps = (JSON.parse(forced.stdout) as { steps: { what: string; path: string; keptAs?: string }[] }).steps;
    expect(steps.map((s) => s.what)).toEqual(['config', 'store', 'certificates', 'images']);
    expect(steps[0]!.keptAs).toBeUndefined();
    for (const s of steps.slice(1)) expect(s.keptAs && existsSync(s.keptAs), `${s.what} kept`).toBe(true);
    expect(readdirSync(path.join(state(), 'images'))).toEqual(['marker.raw']);
    expect(readdirSync(steps[3]!.keptAs!)).toEqual(['newer.raw']);
    // The kept store has its WAL under the name SQLite looks for, and opens whole.
    const kept = steps[1]!.keptAs!;
    expect(existsSync(`${kept}-wal`)).toBe(true);
    const db = new Database(kept, { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM bm_nodes').get() as { n: number }).n).toBe(2);
    db.close();
    await d.restart();
    expect(await nodeNames()).toEqual(['cmp-0', 'ctl-0']);
  });

  it('refuses what is not a backup, and a config whose store does not exist', async () => {
    await d.stop();
    const bogus = path.join(d.dir, 'bogus.tar');
    expect(spawnSync('tar', ['-cf', bogus, '-C', d.dir, 'undercloud.conf']).status).toBe(0);
    const r = await uc('restore', bogus, '--force');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('is not an undercloud backup (no readable manifest.json)');
    const other = path.join(d.dir, 'other.conf');
    writeFileSync(other, '[DEFAULT]\nstate_dir = ./nowhere\npki_dir = ./nowhere-pki\nsocket_path = ./run/none.sock\n');
    const b = await runCli(UNDERCLOUD_BIN, ['backup', '--output', path.join(d.dir, 'x.tgz')], other);
    expect(b.code).toBe(4);
    expect(b.stderr).toContain(`no store at ${path.join(d.dir, 'nowhere', 'undercloud.sqlite')}: nothing to back up`);
    await d.restart();
  });
});
