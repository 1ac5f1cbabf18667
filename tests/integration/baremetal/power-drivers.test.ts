/**
 * Power and boot-device drivers against real peers: libvirt (virsh), our Redfish emulator over libvirt, and
 * IPMI through python3-pyghmi's virshbmc. Each goes through the conductor's idempotent power path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { startLibvirt, URI, type LibvirtLab } from './libvirt-lab.js';
import { RedfishEmulator } from '../../../undercloud/baremetal/emulators/redfish-emulator.js';
import { memoryConductor } from '../../unit/baremetal/helpers.js';
import { setPowerState } from '../../../undercloud/baremetal/conductor/power.js';
import { hardwareType, resolveInterfaces } from '../../../undercloud/baremetal/drivers/index.js';
import { BmcError } from '../../../undercloud/baremetal/errors.js';
import type { Conductor } from '../../../undercloud/baremetal/conductor/conductor.js';
import { requireTools } from '../../helpers/tools.js';

const power = { timeoutMs: 20_000, retryAttempts: 3, retryDelayMs: 200, pollMs: 200 };
let lab: LibvirtLab;
let emulator: RedfishEmulator;
let bmc: ChildProcess | undefined;
let conductor: Conductor;
let lv: string;
let rf: string;
let ipmi: string;
const IPMI_PORT = 16230 + Math.floor(Math.random() * 1000);

function enroll(name: string, driver: string, driverInfo: Record<string, string>, mac: string) {
  const interfaces = resolveInterfaces(hardwareType(driver, [driver]), { deploy: 'fake', inspect: 'fake', boot: 'fake' });
  const n = conductor.nodes.create({ name, driver, interfaces, driverInfo, properties: { capabilities: {} }, macs: [mac] });
  conductor.nodes.update(n.id, { provisionState: 'manageable' });
}

const signal = () => AbortSignal.timeout(60_000);

beforeAll(async () => {
  lab = await startLibvirt();
  [lv, rf, ipmi] = lab.define(3) as [string, string, string];
  emulator = new RedfishEmulator({ host: '127.0.0.1', port: 0, libvirtUri: URI, domains: [rf], auth: { user: 'admin', password: 'redfish-pw' } });
  await emulator.start();
  requireTools([['virshbmc', 'python3-pyghmi python3-libvirt']]);
  bmc = spawn('virshbmc', ['--port', String(IPMI_PORT), '--connect', URI, '--domain', ipmi], { stdio: ['ignore', 'pipe', 'pipe'] });
  conductor = memoryConductor({ power }).conductor;
  enroll('lv', 'libvirt', { libvirt_uri: URI, libvirt_domain: lv }, '52:54:00:10:00:01');
  enroll('rf', 'redfish', { redfish_address: emulator.url, redfish_username: 'admin', redfish_password: 'redfish-pw' }, '52:54:00:10:00:02');
  enroll('ipmi', 'ipmi', { ipmi_address: '127.0.0.1', ipmi_port: String(IPMI_PORT), ipmi_username: 'admin', ipmi_password: 'password' }, '52:54:00:10:00:03');
  await new Promise((r) => setTimeout(r, 1500)); // virshbmc needs a moment to bind
}, 300_000); // a fresh libvirtd probes QEMU's capabilities first

afterAll(async () => {
  bmc?.kill('SIGTERM');
  await emulator?.stop();
  lab?.teardown();
});

describe.each([
  ['lv', () => lv],
  ['rf', () => rf],
  ['ipmi', () => ipmi],
])('%s power driver', (node, domain) => {
  it('powers on, is idempotent, reboots and powers off; libvirt agrees at every step', async () => {
    await conductor.withNode(node, { purpose: 'test', exclusive: true }, async (task) => {
      expect(await task.driver.power.getState(task, signal())).toBe('power off');
      expect(await setPowerState(task, 'power on', power, signal())).toBe('power on');
      expect(lab.state(domain())).toBe('running');
      expect(await setPowerState(task, 'power on', power, signal())).toBe('power on'); // no-op
      expect(await setPowerState(task, 'rebooting', power, signal())).toBe('power on');
      expect(lab.state(domain())).toBe('running');
      expect(await setPowerState(task, 'power off', power, signal())).toBe('power off');
      expect(lab.state(domain())).toBe('shut off');
      expect(task.node.powerState).toBe('power off');
    });
  });
});

describe('boot device', () => {
  it.each([['lv', () => lv], ['rf', () => rf]])('%s sets pxe then disk in the domain XML', async (node, domain) => {
    await conductor.withNode(node, { purpose: 'test', exclusive: true }, async (task) => {
      await task.driver.management.setBootDevice(task, 'pxe', true, signal());
      expect(lab.xml(domain())).toMatch(/<os>[\s\S]*<boot dev='network'\/>\s*<boot dev='hd'\/>/);
      expect((await task.driver.management.getBootDevice(task, signal())).device).toBe('pxe');
      await task.driver.management.setBootDevice(task, 'disk', true, signal());
      expect((await task.driver.management.getBootDevice(task, signal())).device).toBe('disk');
    });
  });
});

describe('power-state sync', () => {
  it('records a change made behind our back without touching the node', async () => {
    execFileSync('virsh', ['-c', URI, 'start', lv]);
    await conductor.syncPowerStates(3, signal());
    expect(conductor.nodes.get('lv')!.powerState).toBe('power on');
    expect(lab.state(lv)).toBe('running');
    execFileSync('virsh', ['-c', URI, 'destroy', lv]);
    await conductor.syncPowerStates(3, signal());
    expect(conductor.nodes.get('lv')!.powerState).toBe('power off');
  });

  it('a BMC that fails three reads in a row puts the node in maintenance (power failure) until it answers again', async () => {
    const id = conductor.nodes.get('rf')!.id;
    const good = conductor.nodes.get('rf')!.driverInfo;
    conductor.nodes.update(id, { driverInfo: { ...good, redfish_password: 'wrong' } });
    await conductor.syncPowerStates(3, signal());
    await conductor.syncPowerStates(3, signal());
    expect(conductor.nodes.get('rf')).toMatchObject({ maintenance: false }); // two failures: not yet
    await conductor.syncPowerStates(3, signal());
    expect(conductor.nodes.get('rf')).toMatchObject({ maintenance: true, fault: 'power failure', powerState: undefined, maintenanceReason: expect.stringMatching(/^power failure: .*HTTP 401/) });
    await conductor.syncPowerStates(3, signal()); // still failing: stays
    expect(conductor.nodes.get('rf')!.maintenance).toBe(true);

    conductor.nodes.update(id, { driverInfo: good }); // the BMC is fixed
    await conductor.syncPowerStates(3, signal());
    expect(conductor.nodes.get('rf')).toMatchObject({ maintenance: false, fault: undefined, maintenanceReason: undefined, powerState: 'power off' });
    expect(conductor.nodes.history(id).map((h) => h.event).slice(-2)).toEqual(['maintenance set', 'maintenance unset']);

    // Maintenance an operator set is never lifted by the sync.
    conductor.nodes.update(id, { maintenance: true, maintenanceReason: 'bad DIMM' });
    await conductor.syncPowerStates(3, signal());
    expect(conductor.nodes.get('rf')).toMatchObject({ maintenance: true, maintenanceReason: 'bad DIMM', fault: undefined });
    conductor.nodes.update(id, { maintenance: false, maintenanceReason: null });
  });
});

describe('BMC errors', () => {
  it('a wrong Redfish password is a permanent BmcError, not retried forever', async () => {
    conductor.nodes.update(conductor.nodes.get('rf')!.id, { driverInfo: { redfish_address: emulator.url, redfish_username: 'admin', redfish_password: 'wrong' } });
    const err = await conductor.withNode('rf', { purpose: 'test', exclusive: false }, (task) => task.driver.power.getState(task, signal())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BmcError);
    expect((err as BmcError).transient).toBe(false);
    expect((err as Error).message).toMatch(/HTTP 401/);
  });

  it('a libvirt domain that does not exist is a clear error', async () => {
    enroll('ghost', 'libvirt', { libvirt_uri: URI, libvirt_domain: 'uc-bmtest-no-such-domain' }, '52:54:00:10:00:09');
    const err = await conductor.withNode('ghost', { purpose: 'test', exclusive: false }, (task) => task.driver.power.getState(task, signal())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BmcError);
    expect((err as Error).message).toMatch(/node ghost: libvirt BMC: .*uc-bmtest-no-such-domain/);
  });
});
