/**
 * Issue 7's lab test: two TCG VMs in a network namespace the test creates (undercloud lab up), served by a
 * real daemon running inside that namespace (dnsmasq DHCP/TFTP, iPXE over HTTP, the agent endpoint), driven
 * only through the public CLIs: enroll, introspect (real ramdisk, real agent inventory), provide, deploy the
 * golden image (NBD from the ramdisk, config drive), the node agent connecting from the installed system,
 * then rebuild one node and undeploy the other. The images are built with `overcloud image build` through
 * the shared test cache (warm after the disk-image-builder test). The lab is torn down afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { OVERCLOUD_BIN, ROOT, UNDERCLOUD_BIN, runCli, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { labDown, labUp, type LabState } from '../../../undercloud/lab/lab.js';
import { LAB_DEFAULTS } from '../../../undercloud/lab/lab.js';

const CACHE = path.join(tmpdir(), 'undercloud-dib-test-cache');
const IMAGES = path.join(ROOT, 'tests', 'fixtures', 'lab', 'lab-images.yaml');
const MIN = 60_000;
let d: TestDaemon | undefined;
let lab: LabState | undefined;
let work = '';
const oc = (...args: string[]) => runCli(OVERCLOUD_BIN, args, d!.configFile);
const uc = (...args: string[]) => runCli(UNDERCLOUD_BIN, args, d!.configFile);

/** The tail of each node's serial console: what to look at when a step fails. */
function consoles(): string {
  return (lab?.nodes ?? []).map((n) => {
    const text = existsSync(n.consoleLog) ? readFileSync(n.consoleLog, 'utf8') : '(no console output)';
    return `--- ${n.name} console (last 40 lines) ---\n${text.split('\n').slice(-40).join('\n')}`;
  }).join('\n');
}

interface NodeJson { name: string; id: string; provision_state: string; power_state: string; last_error: string | null; properties: { cpus: number; memory_mb: number; local_gb: number } }
async function nodes(): Promise<NodeJson[]> {
  const r = await oc('-f', 'json', 'node', 'list');
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as NodeJson[];
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the lab test needs root (network namespaces, libvirtd)');
  work = mkdtempSync(path.join(tmpdir(), 'uc-lab-'));
  chmodSync(work, 0o755); // dnsmasq drops root: its TFTP root and every parent must be readable by others
  const name = `t${randomBytes(2).toString('hex')}`;
  lab = await labUp({ ...LAB_DEFAULTS, name, dir: path.join(work, 'lab'), nodes: 2, profiles: ['compute'], memoryMiB: 1536, diskGiB: 8 });
  mkdirSync(path.join(work, 'undercloud'), { recursive: true });
  d = await startTestDaemon({
    dir: path.join(work, 'undercloud'),
    defaults: { local_ip: lab.localCidr, local_interface: lab.bridge, network_namespace: lab.netns, agent_listen: `${lab.localIp}:8444`, clean_nodes: 'false' },
    extraConfig: `[pxe]\ndnsmasq = true\nhttp = true\nhttp_listen = ${lab.localIp}:8088\n\n[baremetal]\nsync_power_state_interval = 0\ndeploy_callback_timeout = 1500\ninspect_wait_timeout = 900\nclean_callback_timeout = 900\n`,
  });
  const out = path.join(work, 'images');
  const b = await oc('--format', 'json', 'image', 'build', '--config-file', IMAGES, '--output-dir', out, '--cache-dir', CACHE);
  if (b.code !== 0) throw new Error(`image build failed:\n${b.stderr.slice(-4000)}`);
  const up = await oc('image', 'upload', '--image-path', out);
  if (up.code !== 0) throw new Error(`image upload failed:\n${up.stderr}`);
}, 40 * MIN);

afterAll(async () => {
  await d?.stop();
  if (lab) labDown(lab.dir, true);
  d?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
}, 5 * MIN);

describe('the VM lab in a network namespace', () => {
  it('imports the lab nodes: libvirt power through the lab libvirtd, manageable', async () => {
    const r = await oc('-f', 'json', 'node', 'import', lab!.instackenv);
    expect(r.code, r.stderr).toBe(0);
    expect((await nodes()).map((n) => [n.provision_state, n.power_state])).toEqual([['manageable', 'power off'], ['manageable', 'power off']]);
  });

  it('introspects both nodes through the real deploy ramdisk and its agent', async () => {
    const r = await oc('-f', 'json', 'node', 'introspect', '--all-manageable', '--wait', '900');
    expect(r.code, `${r.stderr}\n${consoles()}`).toBe(0);
    for (const n of await nodes()) {
      expect(n.provision_state).toBe('manageable');
      expect(n.properties).toMatchObject({ cpus: 1, local_gb: 7 });
      expect(n.properties.memory_mb).toBeGreaterThan(1000);
    }
  }, 16 * MIN);

  it('provides both nodes', async () => {
    const r = await oc('node', 'provide', '--all-manageable', '--wait', '300');
    expect(r.code, `${r.stderr}\n${consoles()}`).toBe(0);
    expect((await nodes()).map((n) => n.provision_state)).toEqual(['available', 'available']);
  }, 6 * MIN);

  it('deploys the golden image on both; each installed system\'s node agent connects', async () => {
    const names = (await nodes()).map((n) => n.name);
    const r = await oc('node', 'deploy', ...names, '--image', 'overcloud-lab', '--wait', '1500');
    expect(r.code, `${r.stderr}\n${consoles()}`).toBe(0);
    expect((await nodes()).map((n) => n.provision_state)).toEqual(['active', 'active']);
    const ev = await uc('-f', 'json', 'events', '--kind', 'agent.connected', '--limit', '1000');
    const connected = (JSON.parse(ev.stdout) as { subject_id?: string; subjectId?: string; message: string }[]).filter((e) => e.message.includes('node mode'));
    expect(connected.length, ev.stdout).toBeGreaterThanOrEqual(2);
    for (const n of lab!.nodes) expect(readFileSync(n.consoleLog, 'utf8')).toContain('undercloud-firstboot');
  }, 26 * MIN);

  it('rebuilds one node in place and undeploys the other', async () => {
    const [a, b] = (await nodes()).map((n) => n.name) as [string, string];
    const [rebuild, undeploy] = await Promise.all([oc('node', 'rebuild', a, '--wait', '1500'), oc('node', 'undeploy', b, '--wait', '900')]);
    expect(rebuild.code, `${rebuild.stderr}\n${consoles()}`).toBe(0);
    expect(undeploy.code, `${undeploy.stderr}\n${consoles()}`).toBe(0);
    const after = await nodes();
    expect(after.find((n) => n.name === a)?.provision_state).toBe('active');
    expect(after.find((n) => n.name === b)).toMatchObject({ provision_state: 'available', power_state: 'power off' });
  }, 26 * MIN);
});
