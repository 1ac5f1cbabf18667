import { describe, expect, it } from 'vitest';
import { chooseRootDevice, rootDeviceHintFor, type InventoryDisk } from '../../../../undercloud/baremetal/agent/root-device.js';

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

describe('rootDeviceHintFor (overcloud node configure --root-device)', () => {
  const G = 1024 ** 3;
  const d = (name: string, gib: number, o: { serial?: string; wwn?: string } = {}) => ({ name, sizeBytes: gib * G, model: '', vendor: '', rotational: false, serial: o.serial ?? '', wwn: o.wwn ?? '' });
  const disks = [d('sda', 2, { serial: 'S-A' }), d('sdb', 40, { serial: 'S-B', wwn: '0x5000c500' }), d('sdc', 10, { serial: ' S-C ' }), d('vdd', 100)];

  it('smallest and largest among the disks of at least the minimum size; the WWN, else the serial, names it', () => {
    expect(rootDeviceHintFor(disks, { strategy: 'smallest' }, 4, 'n')).toMatchObject({ disk: { name: 'sdc' }, hint: { serial: 'S-C' } });
    expect(rootDeviceHintFor(disks, { strategy: 'smallest' }, 20, 'n')).toMatchObject({ disk: { name: 'sdb' }, hint: { wwn: '0x5000c500' } });
    expect(rootDeviceHintFor(disks, { strategy: 'smallest' }, 1, 'n').disk.name).toBe('sda');
    const largest = rootDeviceHintFor(disks, { strategy: 'largest' }, 4, 'n');
    expect(largest).toMatchObject({ disk: { name: 'vdd' }, hint: { name: '/dev/vdd' } });
    expect(largest.warning).toMatch(/disk vdd reports neither a WWN nor a serial number/);
  });

  it('device names: the first listed one present and big enough, /dev/ accepted', () => {
    expect(rootDeviceHintFor(disks, { names: ['nvme0n1', '/dev/sdc', 'sdb'] }, 4, 'n').disk.name).toBe('sdc');
    expect(rootDeviceHintFor(disks, { names: ['sda', 'sdb'] }, 4, 'n').disk.name).toBe('sdb'); // sda is under 4 GiB
  });

  it('nothing suitable: the error names the node, what was asked and the disks it has', () => {
    expect(() => rootDeviceHintFor(disks, { names: ['sda'] }, 4, 'cmp-1')).toThrowError(/node cmp-1: cannot choose any of sda of at least 4 GiB; the node has: sda \(2\.0 GiB\), sdb \(40\.0 GiB\)/);
    expect(() => rootDeviceHintFor([], { strategy: 'largest' }, 4, 'n')).toThrowError(/the largest disk of at least 4 GiB; the node has: no disks/);
  });
});
