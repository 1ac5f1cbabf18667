import { describe, expect, it } from 'vitest';
import { applyNodeUpdate, NodeUpdateError } from '../../../undercloud/baremetal/node-update.js';
import type { Node } from '../../../undercloud/baremetal/node.js';

const node = {
  id: 'n-1', name: 'rack1-n7', driverInfo: { ipmi_address: '10.0.0.7', ipmi_password: 'old' },
  properties: { cpus: 4, memoryMb: 8192, localGb: 100, cpuArch: 'x86_64', capabilities: { profile: 'compute', boot_option: 'local' } },
} as unknown as Node;

const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof NodeUpdateError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected an error');
};

describe('applyNodeUpdate (overcloud node set|unset)', () => {
  it('sets and unsets properties, capabilities and driver_info, listing what changed but no values', () => {
    const c = applyNodeUpdate(node, {
      name: 'rack1-n8',
      setProperties: { cpus: '16', root_device: '{"name": "/dev/sdb"}' }, unsetProperties: ['cpu_arch'],
      setCapabilities: { profile: 'storage' }, unsetCapabilities: ['boot_option'],
      setDriverInfo: { ipmi_password: 'new' }, unsetDriverInfo: ['ipmi_address'],
    });
    expect(c.name).toBe('rack1-n8');
    expect(c.properties).toEqual({ cpus: 16, memoryMb: 8192, localGb: 100, rootDevice: { name: '/dev/sdb' }, capabilities: { profile: 'storage' } });
    expect(c.driverInfo).toEqual({ ipmi_password: 'new' });
    expect(c.changed).toEqual(['name', 'properties.cpu_arch', 'properties.cpus', 'properties.root_device', 'capabilities.boot_option', 'capabilities.profile', 'driver_info.ipmi_address', 'driver_info.ipmi_password']);
    expect(node.properties.capabilities).toEqual({ profile: 'compute', boot_option: 'local' }); // the input is not changed
  });

  it('takes Ironic\'s capabilities string as a property, and changes nothing when nothing is asked', () => {
    expect(applyNodeUpdate(node, { setProperties: { capabilities: 'profile:control,boot_mode:uefi' } }).properties.capabilities).toEqual({ profile: 'control', boot_mode: 'uefi' });
    expect(applyNodeUpdate(node, { name: 'rack1-n7' }).changed).toEqual([]);
  });

  it('names the node and the field of a bad value', () => {
    expect(error(() => applyNodeUpdate(node, { setProperties: { memory_mb: 'lots' } }))).toBe('NODE_UPDATE_INVALID: node rack1-n7: properties.memory_mb: "lots" is not a positive whole number');
    expect(error(() => applyNodeUpdate(node, { setProperties: { colour: 'red' } }))).toMatch(/properties.colour: unknown property \(cpus, memory_mb/);
    expect(error(() => applyNodeUpdate(node, { setProperties: { root_device: '/dev/sda' } }))).toMatch(/properties.root_device: expected a JSON object of hints/);
    expect(error(() => applyNodeUpdate(node, { setProperties: { capabilities: 'profile' } }))).toMatch(/properties.capabilities: "profile" is not key:value/);
    expect(error(() => applyNodeUpdate(node, { setCapabilities: { 'a:b': 'c' } }))).toMatch(/capabilities.a:b: keys and values may not contain/);
    expect(error(() => applyNodeUpdate(node, { name: 'no spaces' }))).toMatch(/node rack1-n7: name: "no spaces" is not a valid name/);
    expect(error(() => applyNodeUpdate(node, { setDriverInfo: { ipmi_password: '' } }))).toMatch(/driver_info.ipmi_password: an empty secret; unset it instead/);
  });
});
