/**
 * The real daemon on a temporary socket: Status, WatchEvents (backlog, live, resume by id), SIGKILL and
 * restart with the store intact, recovery of an in-flight operation, graceful SIGTERM, TLS with client
 * certificates, and the CLI's messages when the daemon is down or the config is bad.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentials, Metadata, type ClientReadableStream } from '@grpc/grpc-js';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UndercloudClient, type Event, type StatusResponse } from '../../../proto/gen/undercloud/v1/undercloud.js';
import { spawn } from 'node:child_process';
import { startTestDaemon, runCli, ROOT, UNDERCLOUD_BIN, type TestDaemon } from '../../helpers/daemon.js';
import { Store } from '../../../undercloud/store/index.js';
import { ensurePki, pkiFiles } from '../../../undercloud/pki/pki.js';
import { tempDir } from '../../helpers/tmp.js';

function status(client: UndercloudClient): Promise<StatusResponse> {
  return new Promise((resolve, reject) => client.status({}, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res))));
}

/** Collects events from a WatchEvents stream until `until` says stop. */
function collect(stream: ClientReadableStream<Event>, until: (seen: Event[]) => boolean, ms = 10_000): Promise<Event[]> {
  const seen: Event[] = [];
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out; saw ${JSON.stringify(seen.map((e) => e.kind))}`)), ms);
    stream.on('data', (e: Event) => {
      seen.push(e);
      if (until(seen)) {
        clearTimeout(t);
        stream.cancel();
        resolve(seen);
      }
    });
    stream.on('error', (err: { code?: number }) => { if (err.code !== 1) reject(err); });
  });
}

describe('undercloud daemon', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startTestDaemon();
  });
  afterAll(() => d?.cleanup());

  it('answers Status on a 0660 unix socket', async () => {
    expect(statSync(d.socketPath).mode & 0o777).toBe(0o660);
    const s = await status(d.client(UndercloudClient));
    expect(s.state).toBe('running');
    expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.storePath).toBe(d.storePath);
    expect(s.counts.events).toBeGreaterThanOrEqual(1);
    expect(s.pid).toBe(d.process.pid);
  });

  it('streams the stored backlog, then live events', async () => {
    const client = d.client(UndercloudClient);
    const stream = client.watchEvents({ afterId: 0, kinds: [], subjectId: '' });
    const pending = collect(stream, (seen) => seen.some((e) => e.kind === 'daemon.config_checked'));
    await new Promise((r) => setTimeout(r, 300));
    d.process.kill('SIGHUP');
    const seen = await pending;
    expect(seen[0]!.kind).toBe('daemon.started');
    const live = seen.find((e) => e.kind === 'daemon.config_checked')!;
    expect(live.message).toBe('config file checked: valid, no changes');
    expect(JSON.parse(live.dataJson)).toMatchObject({ valid: true });
  });

  it('reports an invalid config on SIGHUP without stopping', async () => {
    const good = readFileSync(d.configFile, 'utf8');
    writeFileSync(d.configFile, good + 'bogus_key = 1\n');
    const client = d.client(UndercloudClient);
    const stream = client.watchEvents({ afterId: -1, kinds: ['daemon.config'], subjectId: '' });
    const pending = collect(stream, (seen) => seen.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    d.process.kill('SIGHUP');
    const [ev] = await pending;
    writeFileSync(d.configFile, good);
    expect(ev!.severity).toBe('error');
    expect(ev!.message).toContain(`${d.configFile}:`);
    expect(ev!.message).toContain('bogus_key: unknown key');
    expect((await status(client)).state).toBe('running');
  });

  it('survives SIGKILL: the store is intact, watchers resume by id, in-flight operations are failed with a reason', async () => {
    const before = await status(d.client(UndercloudClient));
    await d.kill();
    // What a killed daemon leaves behind: an operation still marked running.
    const store = Store.open(d.storePath);
    expect(store.integrityCheck()).toBe('ok');
    const op = store.operations.begin('test.unresumable', { type: 'stack', id: 'overcloud' });
    store.close();

    await d.restart();
    const client = d.client(UndercloudClient);
    const after = await status(client);
    expect(after.lastEventId).toBeGreaterThan(before.lastEventId);
    const resumed = await collect(client.watchEvents({ afterId: before.lastEventId, kinds: [], subjectId: '' }), (seen) => seen.some((e) => e.kind === 'daemon.started'));
    expect(resumed.every((e) => e.id > before.lastEventId)).toBe(true);
    const failed = resumed.find((e) => e.kind === 'operation.failed')!;
    expect(failed.subjectId).toBe('overcloud');
    expect(failed.message).toMatch(/stopped unexpectedly .*test\.unresumable operation was in progress/);
    const check = Store.open(d.storePath, { readonly: true });
    expect(check.operations.get(op.id)!.state).toBe('failed');
    expect(check.events.list({ kinds: ['daemon.config_checked'] }).length).toBeGreaterThanOrEqual(2);
    check.close();
  });

  it('stops gracefully on SIGTERM and records it', async () => {
    expect(await d.stop()).toBe(0);
    const store = Store.open(d.storePath, { readonly: true });
    const last = store.events.list({ afterId: store.events.lastId() - 1 })[0]!;
    expect(last.kind).toBe('daemon.stopped');
    store.close();
  });

  it('the CLI says the daemon is not running and how to start it (exit 3)', async () => {
    const r = await runCli(UNDERCLOUD_BIN, ['status'], d.configFile);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('the undercloud daemon is not running');
    expect(r.stderr).toContain(`undercloud start --config ${d.configFile}`);
  });
});

describe('a stopped daemon exits', () => {
  // What `undercloud daemon` does after its graceful stop (cli/commands/daemon.ts exitSoon): a resource an
  // interrupted operation still holds (here a listening socket) must not keep the process alive.
  it('even when something still holds the event loop, and logs what was open', async () => {
    const mod = path.join(ROOT, 'dist', 'undercloud', 'cli', 'commands', 'daemon.js');
    const code = `const { exitSoon } = await import(${JSON.stringify(mod)});
      (await import('node:net')).createServer().listen(0, '127.0.0.1');
      exitSoon({ warn: (m, f) => console.log(m, JSON.stringify(f)) }, 300);`;
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exit = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(out).toContain('stopped daemon still had resources open; exiting anyway');
    expect(out).toContain('TCPServerWrap');
  });
});

describe('config errors', () => {
  it('a bad config file gives one clear error naming the file and the key (exit 4)', async () => {
    const dir = tempDir('uc-badconf-');
    const file = path.join(dir, 'undercloud.conf');
    writeFileSync(file, '[DEFAULT]\nstate_dir = ./state\nlocal_ip = 192.168.24.300/24\n');
    for (const args of [['daemon'], ['status']]) {
      const r = await runCli(UNDERCLOUD_BIN, args, file);
      expect(r.code).toBe(4);
      expect(r.stderr).toBe(`undercloud: error: ${file}:3: local_ip: must be an IPv4 address with a prefix, like 192.168.24.1/24\n`);
    }
  });

  it('UNDERCLOUD_CONFIG selects the config like --config', async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      import('node:child_process').then(({ spawn }) => {
        const p = spawn(process.execPath, [UNDERCLOUD_BIN, 'status'], { env: { ...process.env, UNDERCLOUD_CONFIG: '/nonexistent/uc.conf' } });
        let stderr = '';
        p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        p.on('exit', (code) => resolve({ code, stderr }));
      });
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('/nonexistent/uc.conf: config file not found');
  });
});

describe('operator API over TLS', () => {
  let d: TestDaemon;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('uc-tls-');
    await ensurePki(path.join(dir, 'pki'), ['127.0.0.1', 'localhost']);
    d = await startTestDaemon({ dir, defaults: { api_tls_listen: '127.0.0.1:0' } });
  });
  afterAll(() => d?.cleanup());

  it('serves clients with a certificate from the undercloud CA and refuses others', async () => {
    const port = Number(/operator API listening over TLS.*port=(\d+)/.exec(d.output())?.[1]);
    expect(port).toBeGreaterThan(0);
    const f = pkiFiles(path.join(dir, 'pki'));
    const withCert = new UndercloudClient(`127.0.0.1:${port}`, credentials.createSsl(readFileSync(f.caCert), readFileSync(f.operatorKey), readFileSync(f.operatorCert)));
    expect((await status(withCert)).state).toBe('running');
    withCert.close();
    const noCert = new UndercloudClient(`127.0.0.1:${port}`, credentials.createSsl(readFileSync(f.caCert)));
    await expect(status(noCert)).rejects.toMatchObject({ code: 14 });
    noCert.close();
  });
});
