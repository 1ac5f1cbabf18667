import { describe, expect, it } from 'vitest';
import { chooseRootDevice, type InventoryDisk } from '../../../../undercloud/baremetal/agent/root-device.js';

const GIB = 1024 ** 3;
const disk = (name: string, gib: number, extra: Partial<InventoryDisk> = {}): InventoryDisk => ({ name, sizeBytes: gib * GIB, model: '', serial: '', vendor: '', rotational: false, wwn: '', ...extra });
const disks = [disk('sda', 100, { model: 'QEMU HARDDISK', serial: 'S-A', rotational: true }), disk('vda', 8, { serial: 'S-V' }), disk('sdb', 2), disk('nvme0n1', 500, { vendor: 'ACME ', wwn: '0x5000' })];

describe('root device hints', () => {
  it('without hints picks the smallest disk of at least 4 GiB (Ironic\'s default)', () => {
    expect(chooseRootDevice(disks, undefined, 'n').name).toBe('vda');
  });
  it('matches name with or without /dev, serial, model, vendor and wwn ignoring case and spaces', () => {
    expect(chooseRootDevice(disks, { name: '/dev/sda' }, 'n').name).toBe('sda');
    expect(chooseRootDevice(disks, { name: 'nvme0n1' }, 'n').name).toBe('nvme0n1');
    expect(chooseRootDevice(disks, { serial: 's-a' }, 'n').name).toBe('sda');
    expect(chooseRootDevice(disks, { model: 'qemu harddisk' }, 'n').name).toBe('sda');
    expect(chooseRootDevice(disks, { vendor: 'acme', wwn: '0x5000' }, 'n').name).toBe('nvme0n1');
  });
  it('compares sizes in GiB with operators and booleans for rotational', () => {
    expect(chooseRootDevice(disks, { size: '>= 50' }, 'n').name).toBe('sda');
    expect(chooseRootDevice(disks, { size: 8 }, 'n').name).toBe('vda');
    expect(chooseRootDevice(disks, { size: '< 4' }, 'n').name).toBe('sdb');
    expect(chooseRootDevice(disks, { rotational: true }, 'n').name).toBe('sda');
    expect(chooseRootDevice(disks, { rotational: 'false', size: '> 10' }, 'n').name).toBe('nvme0n1');
  });
  it('fails naming the node, the hints and the disks it has', () => {
    expect(() => chooseRootDevice(disks, { serial: 'nope' }, 'ctl-0')).toThrow(/node ctl-0: no disk matching the root device hints \{"serial":"nope"\}; the node has: sda \(100.0 GiB, QEMU HARDDISK, serial S-A\)/);
    expect(() => chooseRootDevice([disk('sdb', 2)], undefined, 'c')).toThrow(/no disk of at least 4 GiB/);
    expect(() => chooseRootDevice(disks, { colour: 'blue' }, 'c')).toThrow(/unknown root device hint "colour"/);
    expect(() => chooseRootDevice(disks, { size: 'big' }, 'c')).toThrow(/size "big" is not a number of GiB/);
  });
});
