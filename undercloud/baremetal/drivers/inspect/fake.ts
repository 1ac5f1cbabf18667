/**
 * Fake inspection: reports what the node already has (or a small default) and its enrolled MACs, and keeps
 * an inventory in extra.inventory as agent inspection does, so what reads it (`overcloud node configure`)
 * works on fake nodes too. Its disks: driver_info `fake_disks` ("sda:10,sdb:20:SERIAL", GiB and an optional
 * serial), else one disk of local_gb + 1 GiB. driver_info `fake_inspect_failures` N makes the first N
 * inspections of the node fail (counted in extra.fake_inspect_attempts), for the CLI's retries.
 */
import type { InventoryDisk } from '../../agent/root-device.js';
import type { InspectInterface } from '../interfaces.js';
import { InvalidError } from '../../../errors.js';
import { NotAvailableError } from '../../errors.js';

const GIB = 1024 ** 3;

function fakeDisks(spec: string | undefined, localGb: number, node: string): InventoryDisk[] {
  const disk = (name: string, gib: number, serial = ''): InventoryDisk => ({ name, sizeBytes: gib * GIB, model: 'fake', vendor: 'fake', serial, rotational: false, wwn: '' });
  if (!spec) return [disk('sda', localGb + 1, `FAKE-${node}`)];
  return spec.split(',').map((entry) => {
    const [name, gib, serial] = entry.trim().split(':');
    if (!name || !Number.isInteger(Number(gib)) || Number(gib) <= 0) throw new InvalidError('FAKE_DISKS_INVALID', `node ${node}: driver_info fake_disks entry "${entry}" is not NAME:GIB[:SERIAL]`);
    return disk(name, Number(gib), serial ?? '');
  });
}

export const fakeInspect: InspectInterface = {
  name: 'fake',
  validate: () => undefined,
  inspect: async (task) => {
    const failures = Number(task.node.driverInfo.fake_inspect_failures ?? 0);
    const attempts = Number(task.node.extra.fake_inspect_attempts ?? 0) + 1;
    if (failures > 0) task.update?.({ extra: { ...task.node.extra, fake_inspect_attempts: attempts } });
    if (attempts <= failures) throw new NotAvailableError(task.node.name, 'introspection', `fake failure ${attempts} of ${failures} (driver_info fake_inspect_failures)`);
    const localGb = task.node.properties.localGb ?? 10;
    const disks = fakeDisks(task.node.driverInfo.fake_disks, localGb, task.node.name);
    task.update?.({ extra: { ...task.node.extra, inventory: { disks } } });
    return {
      properties: {
        cpus: task.node.properties.cpus ?? 1,
        memoryMb: task.node.properties.memoryMb ?? 1024,
        localGb,
        cpuArch: task.node.properties.cpuArch ?? 'x86_64',
      },
      macs: [],
    };
  },
};
