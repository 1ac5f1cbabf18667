/**
 * The public path through the real daemon and CLI: `overcloud node import|list|show|introspect|provide|
 * clean|manage|unenroll|power|maintenance|set|unset|configure` and `overcloud profiles list`, secrets masked everywhere, clear errors for steps that need the agents,
 * per-state iPXE scripts from the HTTP boot server, and recovery of a node stuck in "verifying" after the
 * daemon is killed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OVERCLOUD_BIN, ROOT, readLog, runCli, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';

const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'baremetal', 'instackenv-fake.json');
const HTTP_PORT = 18000 + Math.floor(Math.random() * 2000);
let d: TestDaemon;
let blackhole: Server;
let blackholePort = 0;

const oc = (...args: string[]) => runCli(OVERCLOUD_BIN, args, d.configFile);
const json = <T>(s: string) => JSON.parse(s) as T;

beforeAll(async () => {
  // A "BMC" that accepts connections and never answers: keeps a node in verifying.
  blackhole = createServer(() => undefined);
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', () => r()));
  blackholePort = (blackhole.address() as { port: number }).port;
  d = await startTestDaemon({
    defaults: { agent_listen: '127.0.0.1:0' },
    extraConfig: `[baremetal]\nsync_power_state_interval = 0\nbmc_retry_interval = 0\n\n[pxe]\nhttp = true\nhttp_listen = 127.0.0.1:${HTTP_PORT}\n`,
  });
});

afterAll(async () => {
  await d?.stop();
  d?.cleanup();
  blackhole?.close();
});

describe('overcloud node', () => {
  it('validates without changing anything, naming node and field in errors', async () => {
    const ok = await oc('node', 'import', '--validate-only', FIXTURE);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('2 node(s) would be enrolled');
    expect(json<unknown[]>((await oc('-f', 'json', 'node', 'list')).stdout)).toEqual([]);
    const bad = path.join(d.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ nodes: [{ name: 'x', pm_type: 'ipmi', mac: ['52:54:00:aa:00:09'] }, { pm_type: 'fake', mac: ['oops'] }] }));
    const r = await oc('node', 'import', bad);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('node 0 (x): pm_addr: is required');
    expect(r.stderr).toContain('node 1: mac: "oops" is not a MAC address');
    expect(json<unknown[]>((await oc('-f', 'json', 'node', 'list')).stdout)).toEqual([]); // all or nothing
  });

  it('imports, introspects and provides fake nodes to available (--concurrency 1: in batches of one, tests/unit/cli/node-batches.test.ts)', async () => {
    const bad = await oc('node', 'import', '--introspect', '--concurrency', '0', FIXTURE);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('--concurrency must be a whole number, 1 or more (got 0)');
    const r = await oc('-f', 'json', 'node', 'import', '--introspect', '--provide', '--concurrency', '1', FIXTURE);
    expect(r.code, r.stderr).toBe(0);
    const nodes = json<{ name: string; provision_state: string; power_state: string; properties: { cpus: number; capabilities: Record<string, string> } }[]>(r.stdout);
    expect(nodes.map((n) => [n.name, n.provision_state, n.power_state])).toEqual([['ctl-0', 'available', 'power off'], ['cmp-0', 'available', 'power off']]);
    expect(nodes[0]!.properties).toMatchObject({ cpus: 2, capabilities: { profile: 'control', boot_option: 'local' } });
    const show = json<{ history: { event: string; to: string }[] }>((await oc('-f', 'json', 'node', 'show', 'cmp-0')).stdout);
    expect(show.history.map((h) => h.to)).toEqual(['verifying', 'manageable', 'inspecting', 'manageable', 'cleaning', 'available']);
  });

  it('profiles list: current and possible profiles of the usable nodes; --all adds the others', async () => {
    expect((await oc('node', 'set', 'cmp-0', '--capability', 'compute_profile=true', '--capability', 'storage_profile=1', '--capability', 'control_profile=false')).code).toBe(0);
    type Row = { node_name: string; provision_state: string; current_profile: string | null; possible_profiles: string[] };
    const r = await oc('-f', 'json', 'profiles', 'list');
    expect(r.code, r.stderr).toBe(0);
    expect(json<Row[]>(r.stdout).map((x) => [x.node_name, x.current_profile, x.possible_profiles])).toEqual([['cmp-0', 'compute', ['compute', 'storage']], ['ctl-0', 'control', []]]);
    expect((await oc('node', 'maintenance', 'set', 'ctl-0')).code).toBe(0);
    expect(json<Row[]>((await oc('-f', 'json', 'profiles', 'list')).stdout).map((x) => x.node_name)).toEqual(['cmp-0']);
    expect(json<Row[]>((await oc('-f', 'json', 'profiles', 'list', '--all')).stdout).map((x) => x.node_name)).toEqual(['cmp-0', 'ctl-0']);
    const table = await oc('profiles', 'list', '--all');
    expect(table.stdout).toMatch(/Node UUID\s+Node Name\s+Provision State\s+Current Profile\s+Possible Profiles/);
    expect(table.stdout).toMatch(/cmp-0\s+available\s+compute\s+compute, storage/);
    expect((await oc('node', 'maintenance', 'unset', 'ctl-0')).code).toBe(0);
    expect((await oc('node', 'unset', 'cmp-0', '--capability', 'compute_profile', '--capability', 'storage_profile', '--capability', 'control_profile')).code).toBe(0);
  });

  it('refuses illegal verbs with the state in the message, and deletes only from deletable states', async () => {
    const r = await oc('node', 'clean', 'ctl-0');
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('"clean" is not allowed in provision state "available"');
    const rebuild = await oc('node', 'rebuild', 'cmp-0');
    expect(rebuild.code).toBe(6);
    expect(rebuild.stderr).toContain('"rebuild" is not allowed in provision state "available"');
    const del = await oc('node', 'unenroll', 'ctl-0');
    expect(del.code).toBe(6);
    expect(del.stderr).toContain('only nodes in enroll, manageable or adopt failed can be deleted, or a node in maintenance');
    expect((await oc('node', 'manage', 'ctl-0')).code).toBe(0);
    const clean = await oc('-f', 'json', 'node', 'clean', 'ctl-0', '--erase', 'full', '--wait', '60');
    expect(clean.code, clean.stderr).toBe(0);
    expect((await oc('node', 'unenroll', 'ctl-0')).stdout).toContain('deleted node ctl-0');
    expect((await oc('node', 'show', 'ctl-0')).code).toBe(5);
  });

  it('power on / status / off are idempotent', async () => {
    expect((await oc('node', 'power', 'on', 'cmp-0')).stdout).toMatch(/cmp-0\s+power on/);
    expect((await oc('node', 'power', 'on', 'cmp-0')).stdout).toMatch(/cmp-0\s+power on/);
    expect((await oc('node', 'power', 'status', 'cmp-0')).stdout).toMatch(/cmp-0\s+power on/);
    expect((await oc('node', 'power', 'off', 'cmp-0')).stdout).toMatch(/cmp-0\s+power off/);
  });

  it('maintenance set/unset: shown in list and show, and a deploy is refused meanwhile', async () => {
    const set = await oc('node', 'maintenance', 'set', 'cmp-0', '--reason', 'bad DIMM');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/cmp-0\s+true\s+bad DIMM/);
    const listed = json<{ name: string; maintenance: boolean; maintenance_reason: string | null }[]>((await oc('-f', 'json', 'node', 'list')).stdout).find((n) => n.name === 'cmp-0');
    expect(listed).toMatchObject({ maintenance: true, maintenance_reason: 'bad DIMM' });
    const deploy = await oc('node', 'deploy', 'cmp-0', '--image', 'golden');
    expect(deploy.code).toBe(6);
    expect(deploy.stderr).toContain('node cmp-0 is in maintenance (bad DIMM): deploy is refused until "overcloud node maintenance unset cmp-0"');
    expect((await oc('node', 'maintenance', 'unset', 'cmp-0')).code).toBe(0);
    const show = json<{ maintenance: boolean; maintenance_reason: string | null; history: { event: string }[] }>((await oc('-f', 'json', 'node', 'show', 'cmp-0')).stdout);
    expect(show).toMatchObject({ maintenance: false, maintenance_reason: null });
    expect(show.history.map((h) => h.event).slice(-2)).toEqual(['maintenance set', 'maintenance unset']);
  });

  it('node set/unset: a profile after enrolment, properties, driver_info; bad input changes nothing', async () => {
    const set = await oc('-f', 'json', 'node', 'set', 'cmp-0', '--capability', 'profile=storage', '--property', 'cpus=8', '--driver-info', 'fake_secret_token=s3cr3t-value');
    expect(set.code, set.stderr).toBe(0);
    const v = json<{ properties: { cpus: number; capabilities: Record<string, string> }; driver_info: Record<string, string> }>(set.stdout);
    expect(v.properties).toMatchObject({ cpus: 8, capabilities: { profile: 'storage' } });
    expect(v.driver_info.fake_secret_token).toBe('******');
    const bad = await oc('node', 'set', 'cmp-0', '--property', 'memory_mb=lots', '--capability', 'profile=control');
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('node cmp-0: properties.memory_mb: "lots" is not a positive whole number');
    const unset = await oc('-f', 'json', 'node', 'unset', 'cmp-0', '--capability', 'profile', '--driver-info', 'fake_secret_token');
    expect(unset.code, unset.stderr).toBe(0);
    expect(json<{ properties: { capabilities: Record<string, string> }; driver_info: Record<string, string> }>(unset.stdout)).toMatchObject({ properties: { capabilities: {} }, driver_info: {} });
    const events = await oc('-f', 'json', 'events', '--limit', '1000');
    expect(events.stdout).toContain('node cmp-0: updated properties.cpus, capabilities.profile, driver_info.fake_secret_token');
    expect(events.stdout + readLog(d)).not.toContain('s3cr3t-value');
  });

  it('node configure --root-device: hints from the inspected inventory (WWN/serial, else the name with a warning); kept unless asked', async () => {
    const file = path.join(d.dir, 'disks.json');
    writeFileSync(file, JSON.stringify({ nodes: [{ name: 'disk-0', pm_type: 'fake', mac: ['52:54:00:aa:00:07'] }] }));
    expect((await oc('node', 'import', file)).code).toBe(0);
    const early = await oc('node', 'configure', 'disk-0', '--root-device', 'largest');
    expect(early.code).toBe(6);
    expect(early.stderr).toContain('the node has no inspected inventory: run `overcloud node introspect` first');
    expect((await oc('node', 'set', 'disk-0', '--driver-info', 'fake_disks=sda:10,sdb:20:SER-B,vdc:30')).code).toBe(0);
    const inspected = await oc('node', 'introspect', 'disk-0', '--wait', '60');
    expect(inspected.code, inspected.stderr).toBe(0);

    type Row = { node: string; device: string; hint: Record<string, string> | null; local_gb: number | null; skipped: string | null; warning: string | null };
    const configure = async (...args: string[]) => {
      const r = await oc('-f', 'json', 'node', 'configure', 'disk-0', ...args);
      expect(r.code, r.stderr).toBe(0);
      return { row: json<Row[]>(r.stdout)[0]!, stderr: r.stderr };
    };
    const largest = await configure('--root-device', 'largest');
    expect(largest.row).toMatchObject({ device: '/dev/vdc', hint: { name: '/dev/vdc' }, local_gb: 29 });
    expect(largest.stderr).toContain('warning: node disk-0: disk vdc reports neither a WWN nor a serial number');
    // Hints already set: left alone unless overwriting.
    const again = await configure('--root-device', 'smallest');
    expect(again.row).toMatchObject({ device: '', skipped: expect.stringContaining('node disk-0 already has root device hints {"name":"/dev/vdc"}') });
    const smallest = await configure('--root-device', 'smallest', '--root-device-minimum-size', '15', '--overwrite-root-device-hints');
    expect(smallest.row).toMatchObject({ device: '/dev/sdb', hint: { serial: 'SER-B' }, local_gb: 19, warning: null });
    const show = json<{ properties: { local_gb: number; root_device: unknown } }>((await oc('-f', 'json', 'node', 'show', 'disk-0')).stdout);
    expect(show.properties).toMatchObject({ local_gb: 19, root_device: { serial: 'SER-B' } });

    const none = await oc('node', 'configure', 'disk-0', '--root-device', 'nvme0n1,sda', '--root-device-minimum-size', '11', '--overwrite-root-device-hints');
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('node disk-0: cannot choose any of nvme0n1, sda of at least 11 GiB; the node has: sda (10.0 GiB), sdb (20.0 GiB), vdc (30.0 GiB)');
    expect(json<{ properties: { root_device: unknown } }>((await oc('-f', 'json', 'node', 'show', 'disk-0')).stdout).properties.root_device).toEqual({ serial: 'SER-B' });
    expect((await oc('node', 'unenroll', 'disk-0')).code).toBe(0);
  });

  it('introspect --max-retries/--retry-timeout (TripleO\'s): a node that failed is introspected again; one that keeps failing is named', async () => {
    const file = path.join(d.dir, 'flaky.json');
    writeFileSync(file, JSON.stringify({ nodes: [{ name: 'flaky-0', pm_type: 'fake', mac: ['52:54:00:aa:00:08'] }, { name: 'flaky-1', pm_type: 'fake', mac: ['52:54:00:aa:00:09'] }] }));
    expect((await oc('node', 'import', file)).code).toBe(0);
    expect((await oc('node', 'set', 'flaky-0', '--driver-info', 'fake_inspect_failures=1')).code).toBe(0);
    expect((await oc('node', 'set', 'flaky-1', '--driver-info', 'fake_inspect_failures=5')).code).toBe(0);
    // flaky-0 fails once and succeeds on the retry; flaky-1 fails both times and is named with its error.
    const r = await oc('node', 'introspect', 'flaky-0', 'flaky-1', '--node-timeout', '60', '--max-retries', '1', '--retry-timeout', '0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flaky-0: inspect again in 0s (attempt 2 of 2), after: node flaky-0: introspect failed at step "inspect": node flaky-0: introspection is not available: fake failure 1 of 1 (driver_info fake_inspect_failures)');
    expect(r.stderr).toContain('node flaky-1 is "inspect failed", not "manageable" (after 2 attempts): node flaky-1: introspect failed at step "inspect": node flaky-1: introspection is not available: fake failure 2 of 5');
    const state = async (n: string) => json<{ provision_state: string }>((await oc('-f', 'json', 'node', 'show', n)).stdout).provision_state;
    expect(await state('flaky-0')).toBe('manageable');
    expect(await state('flaky-1')).toBe('inspect failed');
    // --max-retries 0: no second attempt; bad values are refused before anything starts.
    const once = await oc('node', 'introspect', 'flaky-1', '--wait', '60', '--max-retries', '0');
    expect(once.code).toBe(1);
    expect(once.stderr).not.toContain('again in');
    expect(once.stderr).toContain('fake failure 3 of 5');
    const bad = await oc('node', 'introspect', 'flaky-1', '--max-retries', '-1');
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('--max-retries must be a whole number, 0 or more (got -1)');
    expect((await oc('node', 'manage', 'flaky-1', '--wait', '60')).code).toBe(0); // inspect failed -> manageable, as Ironic
    // TripleO's `node clean --all-manageable`, one node at a time: both flaky nodes are the manageable ones now.
    const cleaned = await oc('-f', 'json', 'node', 'clean', '--all-manageable', '--concurrency', '1');
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(json<{ name: string; provision_state: string }[]>(cleaned.stdout).map((n) => [n.name, n.provision_state]).sort()).toEqual([['flaky-0', 'manageable'], ['flaky-1', 'manageable']]);
    // In batches of one: flaky-1's cleaning started once flaky-0's had finished.
    const history = async (n: string) => json<{ history: { time: string; to: string }[] }>((await oc('-f', 'json', 'node', 'show', n)).stdout).history;
    const h0 = await history('flaky-0');
    const h1 = await history('flaky-1');
    expect(h0.slice(-2).map((h) => h.to)).toEqual(['cleaning', 'manageable']);
    expect(h1.slice(-2).map((h) => h.to)).toEqual(['cleaning', 'manageable']);
    expect(h1.at(-2)!.time >= h0.at(-1)!.time).toBe(true);
    for (const n of ['flaky-0', 'flaky-1']) expect((await oc('node', 'unenroll', n)).code).toBe(0);
  });

  it('serves per-state iPXE scripts: local boot when available, 404 outside the root', async () => {
    const chain = await (await fetch(`http://127.0.0.1:${HTTP_PORT}/boot.ipxe`)).text();
    expect(chain).toContain(`chain http://127.0.0.1:${HTTP_PORT}/ipxe/\${net0/mac:hexhyp}.ipxe`);
    const avail = await (await fetch(`http://127.0.0.1:${HTTP_PORT}/ipxe/52-54-00-aa-00-02.ipxe`)).text();
    expect(avail).toContain('node cmp-0 is available: boot from the local disk');
    expect(avail).not.toContain('kernel ');
    const unknown = await (await fetch(`http://127.0.0.1:${HTTP_PORT}/ipxe/52-54-00-ff-ff-ff.ipxe`)).text();
    expect(unknown).toContain('unknown MAC 52:54:00:ff:ff:ff');
    expect((await fetch(`http://127.0.0.1:${HTTP_PORT}/..%2f..%2fetc/passwd`)).status).toBe(403);
  });

  it('masks BMC passwords in node show, events and the log; recovers a node stuck in verifying after a crash', async () => {
    const f = path.join(d.dir, 'redfish.json');
    writeFileSync(f, JSON.stringify({ nodes: [{ name: 'bmc-0', pm_type: 'redfish', pm_addr: `http://127.0.0.1:${blackholePort}`, pm_user: 'admin', pm_password: 'Hunter2-secret', mac: ['52:54:00:aa:00:05'] }] }));
    const imp = runCli(OVERCLOUD_BIN, ['node', 'import', f, '--timeout', '5'], d.configFile);
    for (let i = 0; i < 100; i++) {
      const s = await oc('-f', 'json', 'node', 'show', 'bmc-0');
      if (s.code === 0 && json<{ provision_state: string }>(s.stdout).provision_state === 'verifying') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const show = await oc('-f', 'json', 'node', 'show', 'bmc-0');
    expect(json<{ driver_info: Record<string, string>; provision_state: string }>(show.stdout)).toMatchObject({ provision_state: 'verifying', driver_info: { redfish_password: '******', redfish_username: 'admin' } });
    const intro = await oc('node', 'introspect', 'bmc-0');
    expect(intro.code).toBe(6); // locked or wrong state: never pretends
    await d.kill(); // SIGKILL while verifying
    await imp;
    await d.restart();
    const after = json<{ provision_state: string; last_error: string; reservation: string | null }>((await oc('-f', 'json', 'node', 'show', 'bmc-0')).stdout);
    expect(after.provision_state).toBe('enroll');
    expect(after.reservation).toBeNull();
    expect(after.last_error).toContain('the undercloud daemon restarted while the node was in "verifying"');
    await oc('node', 'manage', 'bmc-0').then((r) => expect(r.code).toBe(0)); // verifying again, in the background
    const provide = await oc('node', 'provide', 'bmc-0');
    expect(provide.code).toBe(6);
    const events = await oc('-f', 'json', 'events', '--limit', '1000');
    for (const text of [show.stdout, events.stdout, readLog(d), d.output(), readFileSync(d.logFile, 'utf8')]) expect(text).not.toContain('Hunter2-secret');
  });
});
