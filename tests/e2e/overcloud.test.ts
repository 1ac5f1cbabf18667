/**
 * Issue 8's end-to-end test: an operator's whole day with the undercloud, driven only through the public
 * commands (scripts/quickstart, scripts/teardown, bin/overcloud, bin/undercloud) and checked with real
 * clients: the `openstack` client against the deployed Keystone (from inside the lab's network namespace,
 * where the overcloud lives) and the services' state on each node through its agent.
 *
 *   1. scripts/quickstart: install the undercloud (config, state and socket in a temp folder), the VM lab
 *      (3 TCG nodes in a network namespace), the lab images (shared test cache), import --introspect
 *      --provide, `overcloud deploy` with lab-minimal (Controller: MariaDB + Keystone; Compute: chrony;
 *      Storage scaled to 0 by tests/e2e/e2e-env.yaml to keep the run inside CI's budget) and `-n
 *      network_data.yaml`: every node on its role's tagged VLANs from the first deploy, the internal
 *      services on internal_api (a compute reaches Keystone there);
 *   2. scale Compute from 1 to 2 (the third node, on its VLANs too);
 *   3. rebuild a Compute node from its image, then deploy: the stack's configs (its VLANs among them) go
 *      to it again;
 *   4. a no-op redeploy: seconds, nothing changed; then `deploy --reapply-config NODE` repairs drift there;
 *      `overcloud support report collect` gathers every server's report through its agent;
 *   5. `overcloud node delete` of a Compute node by its node name;
 *   6. `overcloud node provision` of the freed node for a second stack, a deployment on it through its
 *      hostname (OS::Heat::DeployedServer), `overcloud node unprovision`;
 *   7. `overcloud node extract provisioned` + `deploy -b`: the stack adopts its nodes (networks kept);
 *   8. `overcloud delete -b`: every node back to available and powered off;
 *   then scripts/teardown removes the lab and the undercloud. Each phase's wall time is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { OVERCLOUD_BIN, ROOT, UNDERCLOUD_BIN } from '../helpers/daemon.js';
import { requireTools } from '../helpers/tools.js';

const MIN = 60_000;
const CACHE = path.join(tmpdir(), 'undercloud-dib-test-cache');
const TEMPLATES = path.join(ROOT, 'templates');
const E2E_ENV = path.join(ROOT, 'tests', 'e2e', 'e2e-env.yaml');
const NETWORK_DATA = path.join(TEMPLATES, 'network_data.yaml');
const lab = `e2e${randomBytes(2).toString('hex')}`;
const netns = `ucl-${lab}`;
// The run's folder is made in beforeAll, not at import: `vitest list` (or a filtered run) imports this file too.
let work = '';
let conf = '';
let transcript = '';
/** Each phase: its name, when it started (UTC, to line up with the daemon log and node consoles) and its seconds. */
const phases: [string, string, number][] = [];
let quickstartTimes = '';
/** The baremetal_deployment.yaml `overcloud node extract provisioned` writes (the adoption phase, then unprovision). */
const extractedFile = () => path.join(work, 'extracted-baremetal-deployment.yaml');

/** What every command of the run sees: the quickstart's knobs, and the undercloud.conf it installs (in `work`). */
let env: NodeJS.ProcessEnv = {};
function makeWorkFolder(): void {
  work = mkdtempSync(path.join(tmpdir(), 'uc-e2e-'));
  conf = path.join(work, 'undercloud.conf');
  transcript = path.join(work, 'transcript.log');
  env = {
    ...process.env,
    UNDERCLOUD_CONFIG: conf,
    LAB_NAME: lab, LAB_DIR: path.join(work, 'lab'), LAB_NODES: '3', LAB_PROFILES: 'control,compute,compute', LAB_MEMORY: '2048',
    IMAGES: path.join(work, 'images'), IMAGE_CACHE: CACHE, RC_DIR: work, SKIP_BUILD: '1', STACK: 'overcloud',
    ENVIRONMENTS: `-e ${E2E_ENV} -n ${NETWORK_DATA}`,
  };
}

interface Run { code: number | null; stdout: string; stderr: string }

/**
 * Runs a command as the operator would, appending everything it prints to the transcript. Scripts run from
 * the checkout (quickstart takes it as its root); the CLIs run in the run's folder, where they write what
 * an operator finds in their working directory (deploy -b's STACK-baremetal-deployed.yaml), never into the
 * checkout.
 */
function sh(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    appendFileSync(transcript, `\n$ ${cmd} ${args.join(' ')}\n`);
    const p = spawn(cmd, args, { cwd: o.cwd ?? ROOT, env: o.env ?? env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => { stdout += b.toString(); appendFileSync(transcript, b); });
    p.stderr.on('data', (b: Buffer) => { stderr += b.toString(); appendFileSync(transcript, b); });
    const timer = o.timeoutMs ? setTimeout(() => p.kill('SIGTERM'), o.timeoutMs) : undefined;
    p.on('close', (code) => { if (timer) clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}
const oc = (...args: string[]) => sh(process.execPath, [OVERCLOUD_BIN, ...args], { cwd: work });
/** `oc` for a phase: stopped after `ms` (under the test's timeout), so that a hang is explained, not just timed out. */
const ocWithin = (ms: number, ...args: string[]) => sh(process.execPath, [OVERCLOUD_BIN, ...args], { timeoutMs: ms, cwd: work });
const uc = (...args: string[]) => sh(process.execPath, [UNDERCLOUD_BIN, ...args], { cwd: work });
const json = <T>(r: Run): T => JSON.parse(r.stdout) as T;

/**
 * What to read when a phase fails: whether its command was stopped at the phase's time limit, the node
 * list and `overcloud failures` as the operator would see them, the daemon log's last warnings and errors
 * and its tail, the DHCP leases, and each node console's ramdisk lines and tail. Every phase's command has
 * a limit under its test's timeout, so a hang is reported with all of this rather than as a bare timeout.
 */
function explain(r: Run): string {
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []);
  const tail = (file: string, n: number) => (existsSync(file) ? lines(file).slice(-n).join('\n') : '(none)');
  const cli = (bin: string, args: string[]) => {
    const out = spawnSync(process.execPath, [bin, ...args], { cwd: work, env, encoding: 'utf8', timeout: 60_000 });
    return `${out.stdout ?? ''}${out.stderr ?? ''}`.trim();
  };
  const labDir = path.join(work, 'lab');
  const consoles = existsSync(labDir) ? readdirSync(labDir).filter((f) => f.endsWith('.console.log')).map((f) => {
    const ramdisk = lines(path.join(labDir, f)).filter((l) => l.includes('undercloud-ramdisk:')).slice(-8).join('\n');
    return `--- ${f} (ramdisk lines)\n${ramdisk}\n--- ${f} (tail)\n${tail(path.join(labDir, f), 15)}`;
  }) : [];
  const log = path.join(work, 'log', 'undercloud.log');
  const problems = lines(log).filter((l) => /"level":"(warn|error)"/.test(l)).slice(-20).join('\n');
  return [
    r.code === null ? 'the command was stopped at its phase time limit' : `exit ${r.code}`, r.stderr.slice(-4000),
    `--- overcloud node list\n${cli(OVERCLOUD_BIN, ['node', 'list'])}`, `--- overcloud failures\n${cli(OVERCLOUD_BIN, ['failures', '--stack', 'overcloud']).slice(-3000)}`,
    `--- daemon log: warnings and errors\n${problems}`, `--- daemon log: tail\n${tail(log, 40)}`,
    `--- DHCP leases\n${tail(path.join(work, 'state', 'dnsmasq', 'dnsmasq.leases'), 20)}`, ...consoles,
  ].join('\n');
}

async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    phases.push([name, new Date(t0).toISOString(), (Date.now() - t0) / 1000]);
  }
}

interface NodeJson {
  name: string; id: string; provision_state: string; power_state: string; properties: { cpus: number; memory_mb: number; local_gb: number };
  instance_info: { hostname?: string; allocation_key?: string };
}
async function nodes(): Promise<NodeJson[]> {
  const r = await oc('-f', 'json', 'node', 'list');
  if (r.code !== 0) throw new Error(explain(r));
  return json<NodeJson[]>(r);
}

/** Runs a shell script on a node through its agent (`undercloud agent run --wait`) and returns its stdout. */
async function onNode(node: string, script: string): Promise<string> {
  const r = await uc('-f', 'json', 'agent', 'run', node, 'script', '--param', `script=#!/bin/sh\n${script}\n`, '--param', 'always:=true', '--wait', '300');
  if (r.code !== 0) throw new Error(`agent run on ${node} failed:\n${explain(r)}\n${r.stdout}`);
  return String(json<{ outputs: { deploy_stdout?: string } }>(r).outputs.deploy_stdout ?? '');
}

/** `openstack token issue` from inside the lab's namespace with the credentials the deploy wrote. */
async function tokenIssue(): Promise<Run> {
  const rc = path.join(work, 'overcloudrc');
  return sh('ip', ['netns', 'exec', netns, 'bash', '-c', `. ${rc} && openstack token issue -f json`], { env: { PATH: process.env.PATH, HOME: work } });
}

/** The database host in the Keystone configuration of a node (where the deploy steps pointed Keystone). */
const keystoneDbHost = (node: string) => onNode(node, "sed -n 's|^connection = mysql+pymysql://[^@]*@\\([^/]*\\)/keystone.*|\\1|p' /etc/keystone/keystone.conf");

/** `-n templates/network_data.yaml` on every deploy of the stack, from the quickstart's on. */
const networkArgs = ['-n', NETWORK_DATA];
const deployArgs = (...extra: string[]) => ['deploy', '--templates', TEMPLATES, '-r', path.join(TEMPLATES, 'roles_data.yaml'),
  '-e', path.join(TEMPLATES, 'environments', 'lab-minimal.yaml'), '-e', E2E_ENV, ...networkArgs, ...extra, '--stack', 'overcloud', '--rc-dir', work];

/**
 * On each Compute node: its VLAN 20 address, what the controller's internal_api name resolves to, and
 * Keystone's answer over that network (the controller's /v3 by that name).
 */
async function internalApiView(): Promise<{ node: string; seen: string; expected: string }[]> {
  const ports = json<{ hostname: string; ip_address: string }[]>(await oc('-f', 'json', 'network', 'ports', 'internal_api'));
  const ctl = ports.find((p) => p.hostname === 'overcloud-controller-0')!.ip_address;
  const computes = (await nodes()).filter((n) => n.provision_state === 'active' && /compute/.test(n.name));
  return Promise.all(computes.map(async (n) => {
    const own = ports.find((p) => p.hostname === n.instance_info.hostname)!.ip_address;
    const seen = await onNode(n.name, [
      "ip -o -4 addr show dev vlan20 | awk '{print $4}'",
      "getent hosts overcloud-controller-0.internalapi | awk '{print $1}'",
      "curl -s -o /dev/null -w '%{http_code}\\n' --max-time 20 http://overcloud-controller-0.internalapi:5000/v3",
    ].join('; '));
    return { node: n.name, seen, expected: `${own}/24\n${ctl}\n200\n` };
  }));
}

/** The Controller holds a port (an address) on each of network_data.yaml's five networks. */
async function expectControllerPorts(): Promise<void> {
  const ports = json<{ hostname: string; network: string }[]>(await oc('-f', 'json', 'network', 'ports'));
  expect(ports.filter((p) => p.hostname === 'overcloud-controller-0').map((p) => p.network).sort()).toEqual(['External', 'InternalApi', 'Storage', 'StorageMgmt', 'Tenant']);
}

/**
 * The isolated networks as the deploy left them (`computes`: how many Compute nodes are active): the
 * Controller holds an address on each of the five networks; each Compute node its internal_api address on
 * VLAN 20, from where the controller's internalapi name resolves and Keystone answers; the internal
 * services on internal_api (Keystone's database is the Controller's address there, where MariaDB itself
 * listens), the public endpoint (overcloudrc) on the ctlplane; the Controller's addresses file, where the
 * steps' service_ip looks up a ServiceNetMap network.
 */
async function expectIsolatedNetworks(computes: number): Promise<void> {
  await expectControllerPorts();
  const views = await internalApiView();
  expect(views).toHaveLength(computes);
  for (const v of views) expect(v.seen, v.node).toBe(v.expected);
  const ctl = json<{ hostname: string; ip_address: string }[]>(await oc('-f', 'json', 'network', 'ports', 'internal_api')).find((p) => p.hostname === 'overcloud-controller-0')!.ip_address;
  const controller = (await nodes()).find((n) => n.provision_state === 'active' && /control/.test(n.name))!;
  expect(await keystoneDbHost(controller.name)).toBe(`${ctl}\n`);
  // MariaDB binds that address itself (not systemd's socket activation on every address, which Debian's may use).
  expect(await onNode(controller.name, "ss -ltnpH 'sport = :3306' | awk '{print $4, $6}'")).toMatch(new RegExp(`^${ctl.replace(/\./g, '\\.')}:3306 users:\\(\\("mariadbd",[^)]*\\)\\)\n$`));
  expect(readFileSync(path.join(work, 'overcloudrc'), 'utf8')).toMatch(/OS_AUTH_URL=http:\/\/192\.168\.24\.\d+:5000/);
  const addresses = await onNode(controller.name, 'cat /var/lib/overcloud/network-addresses');
  expect(addresses).toMatch(/^ctlplane 192\.168\.24\.\d+\n/);
  expect(addresses).toContain(`internal_api ${ctl}\n`);
  expect(addresses.trim().split('\n').map((l) => l.split(' ')[0]).sort()).toEqual(['ctlplane', 'external', 'internal_api', 'storage', 'storage_mgmt', 'tenant']);
}

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the e2e test needs root (network namespaces, libvirtd, undercloud install)');
  requireTools([
    ['openstack', 'python3-openstackclient'], ['virsh', 'libvirt-clients'], ['libvirtd', 'libvirt-daemon-system'], ['dnsmasq', 'dnsmasq-base'],
    ['qemu-system-x86_64', 'qemu-system-x86'], ['mmdebstrap', 'mmdebstrap'],
  ]);
  makeWorkFolder();
  chmodSync(work, 0o755); // dnsmasq and QEMU drop root: every parent of the lab's files must be searchable
  // No undercloud.conf yet: `undercloud install` writes one whose state, certificates, socket and log stay
  // beside it (a config outside /etc), and the lab adds its settings.
  writeFileSync(transcript, '');
});

afterAll(async () => {
  if (!work) return; // beforeAll refused to start: nothing was set up
  const down = await sh(path.join(ROOT, 'scripts', 'teardown'), ['--purge'], { timeoutMs: 15 * MIN });
  process.stdout.write(`\nphase times (s):\n${phases.map(([n, at, s]) => `  ${n.padEnd(34)} ${s.toFixed(0).padStart(6)}  (from ${at})`).join('\n')}\nquickstart ${quickstartTimes}\ntranscript: ${transcript}\n`);
  if (down.code !== 0) process.stdout.write(`teardown failed:\n${down.stderr}\n`);
  if (existsSync(`/run/netns/${netns}`)) throw new Error(`teardown left the namespace ${netns}`);
  if (down.code === 0) rmSync(work, { recursive: true, force: true });
}, 20 * MIN);

describe('the operator flow, end to end in the VM lab', () => {
  it('quickstart: install, lab, images, import --introspect --provide, deploy lab-minimal -n network_data.yaml; Keystone answers', async () => {
    const r = await phase('quickstart', () => sh(path.join(ROOT, 'scripts', 'quickstart'), [], { timeoutMs: 50 * MIN }));
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/overcloud CREATE_COMPLETE/);
    quickstartTimes = r.stdout.slice(r.stdout.indexOf('==> time per step'));
    expect(quickstartTimes).toMatch(/^\s+\d+ s {2}overcloud deploy --templates/m);
    const all = await nodes();
    expect(all.map((n) => n.provision_state).sort()).toEqual(['active', 'active', 'available']);
    // Introspection through the real ramdisk agent measured each node (1 vCPU, 2 GiB, an 8 GiB disk).
    for (const n of all) {
      expect(n.properties).toMatchObject({ cpus: 1, local_gb: 7 });
      expect(n.properties.memory_mb).toBeGreaterThan(1800);
    }
    // Every installed system's node agent connected (the firstboot config drive carried its credentials).
    const connected = await uc('-f', 'json', 'agent', 'list', '--state', 'connected');
    const active = all.filter((n) => n.provision_state === 'active').map((n) => n.id);
    expect(json<{ node_id: string; mode: string }[]>(connected).filter((a) => active.includes(a.node_id)).map((a) => a.mode)).toEqual(['node', 'node']);
    expect(readFileSync(path.join(work, 'overcloudrc'), 'utf8')).toMatch(/OS_AUTH_URL=http:\/\/192\.168\.24\.\d+:5000/);
    // The deploy also kept the stack's secrets (TripleO's passwords file): the admin password of overcloudrc among them.
    const adminPassword = /OS_PASSWORD=(\S+)/.exec(readFileSync(path.join(work, 'overcloudrc'), 'utf8'))![1];
    expect(readFileSync(path.join(work, 'overcloud-passwords.yaml'), 'utf8')).toContain(`AdminPassword: ${adminPassword}`);

    const token = await phase('openstack token issue', tokenIssue);
    expect(token.code, token.stderr).toBe(0);
    expect(json<{ id: string; expires: string; project_id: string }>(token)).toMatchObject({ id: expect.stringMatching(/^\S{20,}$/) });

    const controller = all.find((n) => n.provision_state === 'active' && /control/.test(n.name));
    const compute = all.find((n) => n.provision_state === 'active' && /compute/.test(n.name));
    expect(await onNode(controller!.name, 'systemctl is-active mariadb keystone')).toBe('active\nactive\n');
    expect(await onNode(compute!.name, 'systemctl is-active chrony; systemctl is-active mariadb || true')).toMatch(/^active\n(inactive|unknown)\n$/);
    // -n network_data.yaml from the first deploy: the networks made, every node on its role's VLANs.
    expect(r.stderr).toContain('networks: created Storage, StorageMgmt, InternalApi, Tenant, External');
    await expectIsolatedNetworks(1);
  }, 55 * MIN);

  it('scales Compute from 1 to 2: the third node is deployed, configured and on its VLANs, the others keep running', async () => {
    const scale = path.join(work, 'scale-compute.yaml');
    writeFileSync(scale, 'parameter_defaults:\n  ComputeCount: 2\n');
    const r = await phase('scale Compute 1 -> 2', () => ocWithin(25 * MIN, ...deployArgs('-e', scale)));
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/overcloud UPDATE_COMPLETE/);
    const computes = (await nodes()).filter((n) => /compute/.test(n.name));
    expect(computes.map((n) => n.provision_state)).toEqual(['active', 'active']);
    for (const n of computes) expect(await onNode(n.name, 'systemctl is-active chrony')).toBe('active\n');
    // The new node on its VLAN 20 too, reaching Keystone over internal_api.
    for (const v of await internalApiView()) expect(v.seen, v.node).toBe(v.expected);
    expect((await tokenIssue()).code).toBe(0);
  }, 30 * MIN);

  it('rebuilds a Compute node from its image: a fresh system whose agent enrolls again, configured again by the next deploy', async () => {
    const [node] = (await nodes()).filter((n) => /compute/.test(n.name));
    await onNode(node!.name, 'touch /root/before-rebuild');
    const serial = async () => json<{ node_id: string; cert_serial: string | null }[]>(await uc('-f', 'json', 'agent', 'list')).find((a) => a.node_id === node!.id)?.cert_serial;
    const before = await serial();
    const r = await phase('node rebuild', () => ocWithin(25 * MIN, 'node', 'rebuild', node!.name, '--wait', '1440'));
    expect(r.code, explain(r)).toBe(0);
    expect((await nodes()).find((n) => n.name === node!.name)?.provision_state).toBe('active');
    expect(await onNode(node!.name, 'test -e /root/before-rebuild && echo kept || echo gone')).toBe('gone\n');
    // The old credentials were revoked with the rebuild; the new system enrolled with a new certificate.
    expect(await serial()).toMatch(/^[0-9a-f]+$/);
    expect(await serial()).not.toBe(before);

    // The rebuilt system has the image only (no /etc/hosts block of step 0): the next deploy applies the
    // stack's configs to it again, and to it alone.
    const hostsBlock = `grep -c '^# BEGIN overcloud' /etc/hosts || true`;
    expect(await onNode(node!.name, hostsBlock)).toBe('0\n');
    const re = await phase('deploy after the rebuild', () => ocWithin(15 * MIN, ...deployArgs('-e', path.join(work, 'scale-compute.yaml'))));
    expect(re.code, explain(re)).toBe(0);
    expect(re.stdout).toMatch(/overcloud UPDATE_COMPLETE/);
    const reapplied = re.stderr.split('\n').filter((l) => l.includes('was imaged again')); // the events, on stderr
    expect(reapplied.length).toBeGreaterThan(0);
    for (const l of reapplied) expect(l).toContain(`server ${node!.id} was imaged again`);
    expect(await onNode(node!.name, hostsBlock)).toBe('1\n');
    // Its VLANs came back with them (its NetworkDeployment applied again).
    const views = await internalApiView();
    expect(views).toHaveLength(2);
    for (const v of views) expect(v.seen, v.node).toBe(v.expected);
  }, 30 * MIN);

  it('redeploys with nothing changed in seconds, and changes nothing', async () => {
    const scale = path.join(work, 'scale-compute.yaml');
    const before = await oc('-f', 'json', 'stack', 'resources', '--stack', 'overcloud', '--nested');
    const t0 = Date.now();
    const r = await phase('no-op redeploy', () => ocWithin(5 * MIN, ...deployArgs('-e', scale)));
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/overcloud UPDATE_COMPLETE/);
    expect(seconds).toBeLessThan(60);
    const after = await oc('-f', 'json', 'stack', 'resources', '--stack', 'overcloud', '--nested');
    expect(json(after)).toEqual(json(before));
  }, 10 * MIN);

  it('deploy --reapply-config NODE repairs drift on that node, and runs nothing elsewhere', async () => {
    const scale = path.join(work, 'scale-compute.yaml');
    const [node] = (await nodes()).filter((n) => /compute/.test(n.name) && n.provision_state === 'active');
    // Drift an operator might find: a service stopped, the block step 0 manages in /etc/hosts removed by hand.
    const hostsBlock = "grep -c '^# BEGIN overcloud' /etc/hosts || true";
    await onNode(node!.name, "systemctl stop chrony; sed -i '/^# BEGIN overcloud/,/^# END overcloud/d' /etc/hosts");
    expect(await onNode(node!.name, `systemctl is-active chrony || true; ${hostsBlock}`)).toBe('inactive\n0\n');
    const r = await phase('deploy --reapply-config (one node)', () => ocWithin(10 * MIN, ...deployArgs('-e', scale, '--reapply-config', node!.name)));
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/overcloud UPDATE_COMPLETE/);
    const reapplied = r.stderr.split('\n').filter((l) => l.includes('as asked (--reapply-config)')); // the events, on stderr
    expect(reapplied.length).toBeGreaterThan(0);
    for (const l of reapplied) expect(l).toContain(`server ${node!.id}`);
    expect(await onNode(node!.name, `systemctl is-active chrony; ${hostsBlock}`)).toBe('active\n1\n');
  }, 15 * MIN);

  it('overcloud support report collect: every server of the stack reports through its agent', async () => {
    const dir = path.join(work, 'support');
    const r = await phase('support report collect', () => ocWithin(5 * MIN, '-f', 'json', 'support', 'report', 'collect', '--stack', 'overcloud', '-o', dir));
    expect(r.code, explain(r)).toBe(0);
    const res = json<{ archive: string; nodes: { host: string; result: string }[] }>(r);
    expect(res.nodes.map((n) => n.host).sort()).toEqual(['overcloud-controller-0', 'overcloud-novacompute-0', 'overcloud-novacompute-1']);
    expect(res.nodes.map((n) => n.result)).toEqual(['ok', 'ok', 'ok']);
    for (const n of res.nodes) {
      const text = readFileSync(path.join(dir, `${n.host}.txt`), 'utf8');
      expect(text.slice(text.indexOf('===== host =====')).split('\n')[1]).toContain(n.host); // `hostname` on the node
      expect(text).toContain('===== failed units =====');
    }
    expect(existsSync(res.archive)).toBe(true);
  }, 10 * MIN);

  it('overcloud node delete removes one Compute node by its node name: released, the other one untouched', async () => {
    const [kept, gone] = (await nodes()).filter((n) => /compute/.test(n.name));
    const r = await phase('node delete (Compute 2 -> 1)', () => ocWithin(15 * MIN, 'node', 'delete', gone!.name, '--stack', 'overcloud', '--yes'));
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/overcloud UPDATE_COMPLETE/);
    expect(r.stderr).toMatch(new RegExp(`removing overcloud-novacompute-\\d+ \\(Compute member \\d+, node ${gone!.id}\\)`));
    expect(r.stderr).toContain('ComputeCount 2 -> 1');
    const removedHost = /removing (\S+) /.exec(r.stderr)![1]!;
    const after = await nodes();
    expect(after.find((n) => n.id === gone!.id)).toMatchObject({ provision_state: 'available', power_state: 'power off' });
    expect(after.find((n) => n.id === kept!.id)?.provision_state).toBe('active');
    expect(await onNode(kept!.name, 'systemctl is-active chrony')).toBe('active\n');
    // Step 0 ran again on the nodes that stay: their /etc/hosts no longer name the removed server.
    const controller = after.find((n) => n.provision_state === 'active' && /control/.test(n.name))!;
    for (const n of [kept!, controller]) expect(await onNode(n.name, `grep -c -w ${removedHost} /etc/hosts || true`)).toBe('0\n');
    expect((await tokenIssue()).code).toBe(0);
  }, 20 * MIN);

  it('overcloud node provision deploys the freed node for a second stack, whose deployed server reaches it by hostname', async () => {
    const free = (await nodes()).find((n) => n.provision_state === 'available' && /compute/.test(n.name))!;
    const bm = path.join(work, 'edge-baremetal-deployment.yaml');
    // The lab's golden image (lab-minimal's <Role>Image), as the stack's servers use it.
    writeFileSync(bm, `- name: Compute\n  count: 1\n  defaults: {image: {href: overcloud-lab-minimal}}\n  instances:\n    - {hostname: edge-compute-0, name: ${free.name}}\n`);
    const envFile = path.join(work, 'edge-deployed.yaml');
    const p = await phase('node provision (stack edge)', () => ocWithin(25 * MIN, 'node', 'provision', '--stack', 'edge', '-o', envFile, bm));
    expect(p.code, explain(p)).toBe(0);
    expect((await nodes()).find((n) => n.id === free.id)?.provision_state).toBe('active');
    // The address the node's agent connects from, for the stack's DeployedServerPortMap.
    const ip = /edge-compute-0-ctlplane:\n\s+fixed_ips:\n\s+- ip_address: (192\.168\.24\.\d+)\n/.exec(readFileSync(envFile, 'utf8'))?.[1];
    expect(ip).toBeDefined();
    // Recorded when the deploy finished, for when the agent is away.
    expect(json<{ instance_info: { ctlplane_ip?: string } }>(await oc('-f', 'json', 'node', 'show', free.name)).instance_info.ctlplane_ip).toBe(ip);

    const fixture = path.join(ROOT, 'tests', 'integration', 'orchestration', 'fixtures', 'deployed-server');
    const d = await phase('deploy onto the provisioned node', () => ocWithin(10 * MIN, '-f', 'json', 'deploy', '--templates', fixture, '--stack', 'edge', '-P', 'ServerName=edge-compute-0'));
    expect(d.code, explain(d)).toBe(0);
    expect(json<{ outputs: { stdout: string } }>(d).outputs.stdout).toBe('hello from edge-compute-0\n');

    expect((await ocWithin(10 * MIN, 'delete', '--stack', 'edge', '--yes')).code).toBe(0);
    const u = await phase('node unprovision (stack edge)', () => ocWithin(25 * MIN, 'node', 'unprovision', '--stack', 'edge', '--all', '--yes', bm));
    expect(u.code, explain(u)).toBe(0);
    expect((await nodes()).find((n) => n.id === free.id)).toMatchObject({ provision_state: 'available', power_state: 'power off' });
  }, 45 * MIN);

  it('node extract provisioned + deploy -b: the stack adopts its own nodes as pre-provisioned servers, none rebooted, its networks kept', async () => {
    const active = (await nodes()).filter((n) => n.provision_state === 'active');
    expect(active.length).toBeGreaterThan(0);
    const bootIds = async () => Promise.all(active.map((n) => onNode(n.name, 'cat /proc/sys/kernel/random/boot_id')));
    const before = await bootIds();
    const x = await oc('node', 'extract', 'provisioned', '--stack', 'overcloud', '-r', path.join(TEMPLATES, 'roles_data.yaml'), '-o', extractedFile());
    expect(x.code, explain(x)).toBe(0);
    // No --yes: an update that would remove a server refuses without a terminal, and that would be a bug here.
    // With -n kept: leaving the networks here (every service rebinding to the ctlplane, Keystone restarted)
    // cost 390-478 s against about 258 s, and CI's 60 minutes could not afford it on a slow machine; the
    // VLAN removal that dropping -n does is covered by tests/unit/templates/vlan-config.test.ts. For the
    // same reason the stack has its networks from the quickstart's deploy on, rather than a `deploy -n`
    // phase moving every service (408 s).
    const r = await phase('deploy -b (adopt the nodes)', () => ocWithin(25 * MIN, ...deployArgs('-b', extractedFile())));
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/overcloud UPDATE_COMPLETE/);
    // The deployed-server environment lands in the operator's working directory (TripleO's), not the checkout.
    expect(existsSync(path.join(work, 'overcloud-baremetal-deployed.yaml'))).toBe(true);
    expect(existsSync(path.join(ROOT, 'overcloud-baremetal-deployed.yaml'))).toBe(false);
    expect(await bootIds()).toEqual(before);
    const after = await nodes();
    for (const n of active) {
      const now = after.find((m) => m.id === n.id)!;
      expect(now.provision_state).toBe('active');
      expect(now.instance_info.allocation_key).toBe(`provision:overcloud:${now.instance_info.hostname}`);
    }
    expect((await tokenIssue()).code).toBe(0);
    // The stack keeps its addresses: the Controller's five ports are still held.
    await expectControllerPorts();
  }, 30 * MIN);

  it('overcloud delete -b: the stack is gone, its nodes unprovisioned: every node is available and powered off', async () => {
    // The stack's servers are pre-provisioned now: -b unprovisions their nodes once the stack is gone (TripleO's).
    const r = await phase('overcloud delete -b', () => ocWithin(25 * MIN, 'delete', '--stack', 'overcloud', '-b', extractedFile(), '--yes'));
    expect(r.code, explain(r)).toBe(0);
    expect(r.stderr).toMatch(/unprovisioning overcloud-controller-0 \(node /);
    const status = await oc('status', '--stack', 'overcloud');
    expect(status.code).not.toBe(0);
    expect(status.stderr).toMatch(/not found|no stack/i);
    expect((await nodes()).map((n) => [n.provision_state, n.power_state])).toEqual([['available', 'power off'], ['available', 'power off'], ['available', 'power off']]);
  }, 20 * MIN);
});
