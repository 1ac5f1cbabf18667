import { describe, expect, it } from 'vitest';
import { memoryConductor } from './helpers.js';
import { BaremetalService } from '../../../undercloud/baremetal/service.js';
import { DriverInfoError, NodeExistsError, NodeNotDeletableError, NodeInMaintenanceError, NodeLockedError, NoNodeAvailableError, NotAvailableError } from '../../../undercloud/baremetal/errors.js';
import { baremetalSection } from '../../../undercloud/baremetal/config.js';

function service(automatedClean: boolean) {
  return serviceAndBus(automatedClean).bm;
}

function serviceAndBus(automatedClean: boolean) {
  const { store, bus, log, conductor } = memoryConductor();
  const cfg = { ...baremetalSection.compile({}, (p) => p), enabledHardwareTypes: ['ipmi', 'redfish', 'libvirt', 'fake'], automatedClean };
  return { bm: new BaremetalService(store, bus, log, conductor, cfg), bus };
}

const doc = {
  nodes: [
    { name: 'f0', pm_type: 'fake', mac: ['52:54:00:00:00:01'], cpu: 4 },
    { name: 'i0', pm_type: 'ipmi', pm_addr: '10.0.0.1', pm_user: 'admin', pm_password: 'TopSecret1', mac: ['52:54:00:00:00:02'] },
  ],
};

describe('BaremetalService', () => {
  it('imports all nodes in one transaction and masks secrets in what it returns', () => {
    const bm = service(false);
    const r = bm.importNodes(doc, false);
    expect(r.nodes.map((n) => n.provisionState)).toEqual(['enroll', 'enroll']);
    expect(r.nodes[1]!.driverInfo.ipmi_password).toBe('******');
    expect(bm.show('i0').node.driverInfo.ipmi_password).toBe('******');
    expect(bm.getNodeUnmasked('i0').driverInfo.ipmi_password).toBe('TopSecret1');
    expect(() => bm.importNodes({ nodes: [{ name: 'z', pm_type: 'fake', mac: ['52:54:00:00:00:09'] }, { name: 'f0', pm_type: 'fake', mac: ['52:54:00:00:00:08'] }] }, false)).toThrow(/already enrolled/);
    expect(bm.list().map((n) => n.name)).toEqual(['f0', 'i0']); // nothing from the failed import
  });

  it('validate-only changes nothing', () => {
    const bm = service(false);
    expect(bm.importNodes(doc, true).nodes).toHaveLength(2);
    expect(bm.list()).toEqual([]);
  });

  it('runs the fake path manage -> introspect -> provide', async () => {
    const bm = service(true);
    bm.importNodes(doc, false);
    await (await bm.manage('f0')).done;
    await (await bm.introspect('f0')).done;
    expect(bm.show('f0').node).toMatchObject({ provisionState: 'manageable', properties: { cpus: 4, memoryMb: 1024 } });
    await (await bm.provide('f0')).done;
    expect(bm.show('f0').node).toMatchObject({ provisionState: 'available', powerState: 'power off' });
  });

  it('refuses agent-based steps on real hardware with NOT_AVAILABLE and leaves the node alone', async () => {
    const bm = service(true);
    bm.importNodes(doc, false);
    bm.conductor.nodes.update(bm.show('i0').node.id, { provisionState: 'manageable' });
    for (const call of [() => bm.introspect('i0'), () => bm.provide('i0'), () => bm.clean('i0', 'metadata')]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotAvailableError);
      expect((err as NotAvailableError).message).toMatch(/node i0: .* is not available: the agents domain is not running/);
    }
    expect(bm.show('i0').node).toMatchObject({ provisionState: 'manageable', reservation: undefined });
  });
});

describe('BaremetalService deploy (fake drivers)', () => {
  it('deploys, rebuilds and undeploys, with history along the way', async () => {
    const bm = service(true);
    bm.importNodes(doc, false);
    await (await bm.manage('f0')).done;
    await (await bm.provide('f0')).done;
    const dep = await bm.deploy('f0', { image_source: 'http://x/overcloud.raw', image_checksum: 'sha256:00' });
    expect(dep.node.provisionState).toBe('deploying');
    await dep.done;
    expect(bm.show('f0').node).toMatchObject({ provisionState: 'active', powerState: 'power on', instanceInfo: { image_source: 'http://x/overcloud.raw' } });
    await (await bm.deploy('f0', {}, 'rebuild')).done;
    expect(bm.show('f0').node.provisionState).toBe('active');
    await (await bm.undeploy('f0')).done;
    expect(bm.show('f0').node).toMatchObject({ provisionState: 'available', powerState: 'power off', instanceInfo: {} });
    expect(bm.show('f0').history.map((h) => h.toState).slice(-8)).toEqual(['available', 'deploying', 'active', 'deploying', 'active', 'deleting', 'cleaning', 'available']);
  });

  it('refuses deploy on real hardware until the agent-based deploy lands', async () => {
    const bm = service(false);
    bm.importNodes(doc, false);
    await expect(bm.deploy('i0', {})).rejects.toBeInstanceOf(NotAvailableError);
  });

  it('caps concurrent deploys: with max_concurrent_deploy = 1 the second waits for the first', async () => {
    const { store, bus, log, conductor } = memoryConductor({ maxConcurrentDeploy: 1 });
    const cfg = { ...baremetalSection.compile({}, (p) => p), enabledHardwareTypes: ['fake'], automatedClean: false };
    const bm = new BaremetalService(store, bus, log, conductor, cfg);
    bm.importNodes({ nodes: [{ name: 'a', pm_type: 'fake', mac: ['52:54:00:00:00:0a'] }, { name: 'b', pm_type: 'fake', mac: ['52:54:00:00:00:0b'] }] }, false);
    for (const n of ['a', 'b']) {
      await (await bm.manage(n)).done;
      await (await bm.provide(n)).done;
    }
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, conductor.deploysRunning)), 0);
    await Promise.all([(await bm.deploy('a', {})).done, (await bm.deploy('b', {})).done]);
    clearInterval(watch);
    expect(peak).toBeLessThanOrEqual(1);
    expect(bm.list().map((n) => n.provisionState)).toEqual(['active', 'active']);
  });

  it('maintenance mode: recorded with its reason, keeps the node from allocation, deploy, rebuild and manual cleaning', async () => {
    const { bm, bus } = serviceAndBus(false);
    bm.importNodes(doc, false);
    await (await bm.manage('f0')).done;
    await (await bm.provide('f0')).done;
    const events: string[] = [];
    bus.subscribe({}, (e) => events.push(e.message));
    expect(bm.setMaintenance('f0', true, 'bad DIMM')).toMatchObject({ maintenance: true, maintenanceReason: 'bad DIMM' });
    expect(bm.show('f0').history.at(-1)).toMatchObject({ event: 'maintenance set', message: 'maintenance set: bad DIMM', fromState: 'available', toState: 'available' });
    expect(events).toContain('node f0: maintenance set: bad DIMM');

    const deploy = await bm.deploy('f0', { image_source: 'golden' }).catch((e: unknown) => e);
    expect(deploy).toBeInstanceOf(NodeInMaintenanceError);
    expect((deploy as Error).message).toBe('node f0 is in maintenance (bad DIMM): deploy is refused until "overcloud node maintenance unset f0"');
    expect(String(await bm.deploy('f0', {}, 'rebuild').catch((e: unknown) => e))).toContain('rebuild is refused');
    expect(String(await bm.clean('f0', 'metadata').catch((e: unknown) => e))).toContain('manual cleaning is refused');
    const alloc = await bm.allocate({ key: 's/1', hostname: 'h-0', capabilities: {}, image: 'golden' }).catch((e: unknown) => e);
    expect(alloc).toBeInstanceOf(NoNodeAvailableError);
    expect(bm.show('f0').node).toMatchObject({ provisionState: 'available', reservation: undefined });

    expect(bm.setMaintenance('f0', false, undefined)).toMatchObject({ maintenance: false, maintenanceReason: undefined });
    expect(bm.show('f0').history.at(-1)).toMatchObject({ event: 'maintenance unset' });
  });

  it('delete: only from enroll, manageable, adopt failed, or from any state in maintenance (Ironic)', async () => {
    const bm = service(false);
    bm.importNodes(doc, false);
    await (await bm.manage('f0')).done;
    await (await bm.provide('f0')).done;
    await (await bm.deploy('f0', { image_source: 'golden', hostname: 'h-0' })).done;
    expect(await bm.delete('f0').catch((e: unknown) => e)).toBeInstanceOf(NodeNotDeletableError);
    bm.setMaintenance('f0', true, 'BMC dead');
    expect((await bm.delete('f0')).name).toBe('f0');
    expect(bm.list().map((n) => n.name)).toEqual(['i0']);
  });

  it('node set/unset: saves what the drivers accept, masks secrets in what it returns and records no values', async () => {
    const { bm, bus } = serviceAndBus(false);
    bm.importNodes(doc, false);
    const events: { message: string; data: unknown }[] = [];
    bus.subscribe({}, (e) => events.push({ message: e.message, data: e.data }));
    const n = await bm.updateNode('i0', { setDriverInfo: { ipmi_password: 'Rotated-9' }, setCapabilities: { profile: 'compute' } });
    expect(n.driverInfo.ipmi_password).toBe('******');
    expect(bm.getNodeUnmasked('i0').driverInfo.ipmi_password).toBe('Rotated-9');
    expect(bm.show('i0').node.properties.capabilities).toEqual({ profile: 'compute' });
    expect(bm.show('i0').history.at(-1)).toMatchObject({ event: 'update', message: 'updated capabilities.profile, driver_info.ipmi_password' });
    expect(JSON.stringify(events)).not.toContain('Rotated-9');

    // A driver_info the power driver refuses changes nothing.
    const bad = await bm.updateNode('i0', { unsetDriverInfo: ['ipmi_address'], setCapabilities: { profile: 'storage' } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DriverInfoError);
    expect((bad as Error).message).toMatch(/^node i0: driver_info.ipmi_address: /);
    expect(bm.getNodeUnmasked('i0')).toMatchObject({ driverInfo: { ipmi_address: '10.0.0.1' }, properties: { capabilities: { profile: 'compute' } } });

    expect(await bm.updateNode('i0', { name: 'f0' }).catch((e: unknown) => e)).toBeInstanceOf(NodeExistsError);
    expect((await bm.updateNode('i0', { name: 'ipmi-0' })).name).toBe('ipmi-0');
    expect(bm.show('ipmi-0').node.driverInfo.ipmi_address).toBe('10.0.0.1');

    // A node busy with a task is locked.
    bm.conductor.nodes.reserve(bm.show('f0').node.id, 'someone');
    expect(await bm.updateNode('f0', { setCapabilities: { profile: 'x' } }).catch((e: unknown) => e)).toBeInstanceOf(NodeLockedError);
  });
});
