/**
 * iPXE network boot: the node's iPXE script (pxe/ipxe-scripts.ts) follows its provision state, so preparing
 * the ramdisk means setting the boot device to pxe and preparing the instance means setting it to disk.
 * The management interface is reached through the task's driver set, which the conductor passes in.
 */
import type { BootInterface, DriverTask, ManagementInterface } from '../interfaces.js';

export interface IpxeBootTask extends DriverTask {
  readonly management?: ManagementInterface;
}

export const ipxeBoot: BootInterface = {
  name: 'ipxe',
  validate: () => undefined,
  prepareRamdisk: async (task: IpxeBootTask, signal) => {
    await task.management?.setBootDevice(task, 'pxe', false, signal);
  },
  cleanUpRamdisk: async () => undefined,
  prepareInstance: async (task: IpxeBootTask, signal) => {
    await task.management?.setBootDevice(task, 'disk', true, signal);
  },
};
