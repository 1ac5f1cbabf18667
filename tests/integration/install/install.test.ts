/**
 * `undercloud install` for real on this host (in a temporary folder, without apt): a first run creates,
 * a second run changes nothing and says so; start/stop/restart; the supervisor restarts a daemon that dies;
 * uninstall keeps the store unless --purge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, UNDERCLOUD_BIN } from '../../helpers/daemon.js';

const FLAGS = ['--skip-packages', '--agent-listen', '127.0.0.1:0'];

describe('undercloud install', () => {
  let dir: string;
  let conf: string;
  const uc = (...args: string[]) => runCli(UNDERCLOUD_BIN, args, conf);

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'uc-install-'));
    conf = path.join(dir, 'etc', 'undercloud.conf');
  });
  afterAll(async () => {
    await uc('stop');
    rmSync(dir, { recursive: true, force: true });
  });

  it('bootstraps: config, directories, certificates, a supervised daemon that answers', async () => {
    const r = await uc('install', ...FLAGS, '--local-ip', '192.168.50.1/24', '--dhcp-end', '192.168.50.40', '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.changed).toBe(true);
    const byStep = Object.fromEntries(out.steps.map((s: { step: string; status: string }) => [s.step, s.status]));
    expect(byStep).toMatchObject({ packages: 'skipped', config: 'changed', directories: 'changed', certificates: 'changed', daemon: 'changed' });
    expect(out.status.state).toBe('running');
    const text = readFileSync(conf, 'utf8');
    expect(text).toContain('local_ip = 192.168.50.1/24');
    expect(text).toContain('dhcp_end = 192.168.50.40');
    expect(text).toContain('dhcp_start = 192.168.50.5');
    expect(statSync(path.join(dir, 'etc', 'pki', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(dir, 'etc', 'pki', 'undercloud.crt'))).toBe(true);
    // dnsmasq (which drops root) passes through the state folder; the store in it is the owner's alone.
    expect(statSync(path.join(dir, 'etc', 'state')).mode & 0o777).toBe(0o711);
    expect(statSync(path.join(dir, 'etc', 'state', 'undercloud.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('a second run changes nothing and says so', async () => {
    const r = await uc('install', ...FLAGS, '--local-ip', '192.168.50.1/24');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('undercloud install: nothing changed (already installed and running)');
    expect(r.stdout).not.toMatch(/\bchanged\b(?! \()/);
  });

  it('refuses a bad flag value and changes nothing', async () => {
    const before = readFileSync(conf, 'utf8');
    const r = await uc('install', ...FLAGS, '--dhcp-start', '192.168.50.999');
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/undercloud\.conf:\d+: \[ctlplane-subnet\] dhcp_start: must be a valid ipv4/);
    expect(readFileSync(conf, 'utf8')).toBe(before);
  });

  it('status, stop, start and restart', async () => {
    const s = await uc('status', '--format', 'json');
    expect(JSON.parse(s.stdout).state).toBe('running');
    expect((await uc('stop')).stdout).toBe('stopped\n');
    expect((await uc('stop')).stdout).toBe('not running\n');
    expect((await uc('status')).code).toBe(3);
    const started = await uc('start');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^started \(pid \d+, supervised\)/);
    expect((await uc('start')).stdout).toMatch(/^already running/);
    const pid1 = JSON.parse((await uc('status', '-f', 'json')).stdout).pid;
    expect((await uc('restart')).code).toBe(0);
    const pid2 = JSON.parse((await uc('status', '-f', 'json')).stdout).pid;
    expect(pid2).not.toBe(pid1);
  });

  it('the supervisor restarts a daemon that was killed', async () => {
    const pid = JSON.parse((await uc('status', '-f', 'json')).stdout).pid as number;
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 20_000;
    let now: number | undefined;
    while (Date.now() < deadline) {
      const r = await uc('status', '-f', 'json');
      if (r.code === 0) {
        now = JSON.parse(r.stdout).pid;
        if (now !== pid) break;
      }
      await new Promise((res) => setTimeout(res, 300));
    }
    expect(now).toBeDefined();
    expect(now).not.toBe(pid);
  });

  it('uninstall keeps the store; --purge removes it', async () => {
    const store = path.join(dir, 'etc', 'state', 'undercloud.sqlite');
    expect(existsSync(store)).toBe(true);
    const r = await uc('uninstall', '-f', 'json');
    expect(r.code).toBe(0);
    expect(existsSync(conf)).toBe(false);
    expect(existsSync(path.join(dir, 'etc', 'pki'))).toBe(false);
    expect(existsSync(store)).toBe(true);
    // reinstall on the kept store, then purge
    expect((await uc('install', ...FLAGS)).code).toBe(0);
    const purged = await uc('uninstall', '--purge');
    expect(purged.code).toBe(0);
    expect(existsSync(store)).toBe(false);
    expect(existsSync(path.join(dir, 'etc'))).toBe(false);
  });
});
