/** Fake management: remembers the boot device in the node object for the life of the task. */
import type { ManagementInterface } from '../interfaces.js';
import type { BootDevice } from '../../node.js';

const devices = new Map<string, { device: BootDevice; persistent: boolean }>();

export const fakeManagement: ManagementInterface = {
  name: 'fake',
  validate: () => undefined,
  getBootDevice: async (task) => devices.get(task.node.id) ?? { device: undefined, persistent: undefined },
  setBootDevice: async (task, device, persistent) => {
    devices.set(task.node.id, { device, persistent });
  },
};
