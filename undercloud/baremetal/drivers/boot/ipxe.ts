/**
 * iPXE network boot: the node's iPXE script (pxe/ipxe-scripts.ts) follows its provision state, so preparing
 * the ramdisk means setting the boot device to pxe and preparing the instance means setting it to disk.
 * Preparing the ramdisk also gives it fresh credentials: whatever agent credentials the node had (an earlier
 * ramdisk's, or the installed system's on rebuild and undeploy) are revoked, which also fails any step still
 * open from an earlier boot, and a new one-time token goes on the ramdisk's kernel line.
 * The management interface is reached through the task's driver set, which the conductor passes in.
 */
import type { BootInterface, DriverTask, ManagementInterface } from '../interfaces.js';

export interface IpxeBootTask extends DriverTask {
  readonly management?: ManagementInterface;
  readonly purpose?: string;
}

export const ipxeBoot: BootInterface = {
  name: 'ipxe',
  validate: () => undefined,
  prepareRamdisk: async (task: IpxeBootTask, signal) => {
    const agent = task.agent;
    if (agent) {
      agent.hub.revoke(task.node.id, `the node boots the deploy ramdisk (${task.purpose ?? 'provisioning'})`);
      agent.ramdiskTokens.set(task.node.id, agent.hub.issueEnrollmentToken(task.node.id, agent.tokenTtlSeconds).token);
    }
    await task.management?.setBootDevice(task, 'pxe', false, signal);
  },
  cleanUpRamdisk: async (task: IpxeBootTask) => {
    task.agent?.ramdiskTokens.clear(task.node.id);
  },
  prepareInstance: async (task: IpxeBootTask, signal) => {
    await task.management?.setBootDevice(task, 'disk', true, signal);
  },
};
