/**
 * libvirt power and management: driver_info.libvirt_uri (default qemu:///system) and libvirt_domain
 * (default: the node name). Boot device changes rewrite the persistent domain XML; they apply at next start.
 */
import type { DriverTask, ManagementInterface, PowerInterface } from '../../interfaces.js';
import type { Node, PowerState } from '../../../node.js';
import { BmcError, DriverInfoError } from '../../../errors.js';
import { Virsh, VirshError } from './virsh.js';
import { firstBootDevice, setBootDevice } from './boot-xml.js';

function target(node: Node): { virsh: Virsh; domain: string } {
  return { virsh: new Virsh(node.driverInfo.libvirt_uri || 'qemu:///system'), domain: node.driverInfo.libvirt_domain || node.name };
}

async function wrap<T>(task: DriverTask, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof VirshError) throw new BmcError(task.node.name, 'libvirt', err.message, err.transient, { cause: err });
    throw err;
  }
}

function validate(node: Node): void {
  const uri = node.driverInfo.libvirt_uri;
  if (uri !== undefined && !/^[a-z+]+:\/\//.test(uri)) throw new DriverInfoError(node.name, 'libvirt_uri', `"${uri}" is not a libvirt URI (e.g. qemu:///system)`);
}

export const libvirtPower: PowerInterface = {
  name: 'libvirt',
  validate,
  getState: (task, signal) =>
    wrap(task, async () => {
      const { virsh, domain } = target(task.node);
      const s = await virsh.domState(domain, signal);
      // paused / in shutdown still hold the VM's resources: Ironic reports those as on.
      return (s === 'shut off' || s === 'crashed' ? 'power off' : 'power on') as PowerState;
    }),
  setState: (task, want, signal) =>
    wrap(task, async () => {
      const { virsh, domain } = target(task.node);
      if (want === 'power on') await virsh.start(domain, signal);
      else await virsh.destroy(domain, signal);
    }),
  // A power cycle rather than `virsh reset`: a reset keeps the running definition, and the boot device
  // (rewritten in the persistent XML) only applies when the domain starts again.
  reboot: (task, signal) =>
    wrap(task, async () => {
      const { virsh, domain } = target(task.node);
      if ((await virsh.domState(domain, signal)) !== 'shut off') await virsh.destroy(domain, signal);
      await virsh.start(domain, signal);
    }),
};

export const libvirtManagement: ManagementInterface = {
  name: 'libvirt',
  validate,
  getBootDevice: (task, signal) =>
    wrap(task, async () => {
      const { virsh, domain } = target(task.node);
      return { device: firstBootDevice(await virsh.dumpXml(domain, signal)), persistent: true };
    }),
  setBootDevice: (task, device, _persistent, signal) =>
    wrap(task, async () => {
      const { virsh, domain } = target(task.node);
      const xml = await virsh.dumpXml(domain, signal);
      await virsh.define(setBootDevice(xml, device), signal);
    }),
};
