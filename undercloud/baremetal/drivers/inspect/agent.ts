/**
 * Agent-based inspection: the ramdisk agent reports its inventory; the node's properties (CPUs, memory,
 * architecture, local_gb = the size of the root disk chosen by the root device hints) and MACs come from
 * it, and the whole inventory is kept in the node's extra.inventory. The service boots the ramdisk and
 * waits for its agent first (ramdiskAgent = true).
 */
import type { InspectInterface } from '../interfaces.js';
import { AGENTS_NOT_RUNNING, NotAvailableError } from '../../errors.js';
import { inventoryOf } from '../deploy/direct.js';
import { chooseRootDevice, localGbOf, type RootDeviceHints } from '../../agent/root-device.js';


export const agentInspect: InspectInterface = {
  name: 'agent',
  ramdiskAgent: true,
  validate: () => undefined,
  inspect: async (task, signal) => {
    if (!task.agent) throw new NotAvailableError(task.node.name, 'introspection', AGENTS_NOT_RUNNING);
    const { disks, raw } = await inventoryOf(task, task.agent, signal);
    const inv = raw as { cpu?: { count?: number; architecture?: string }; memory?: { totalBytes?: number }; interfaces?: { mac?: string }[] };
    const root = chooseRootDevice(disks, task.node.properties.rootDevice as RootDeviceHints | undefined, task.node.name);
    task.update?.({ extra: { ...task.node.extra, inventory: raw } });
    return {
      properties: {
        ...(inv.cpu?.count ? { cpus: inv.cpu.count } : {}),
        ...(inv.memory?.totalBytes ? { memoryMb: Math.round(inv.memory.totalBytes / (1024 * 1024)) } : {}),
        localGb: localGbOf(root),
        ...(inv.cpu?.architecture ? { cpuArch: inv.cpu.architecture } : {}),
      },
      macs: (inv.interfaces ?? []).map((i) => i.mac ?? '').filter(Boolean),
    };
  },
};
