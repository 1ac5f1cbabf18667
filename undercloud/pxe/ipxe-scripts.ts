/**
 * iPXE scripts served per node over HTTP (pure, unit-tested). A node boots the deploy ramdisk only while
 * the conductor is working on it (inspecting, cleaning, deploying and their wait states) AND has prepared a
 * ramdisk boot for it (a one-time agent token exists; it is dropped when the ramdisk is cleaned up, before
 * the node reboots into its installed system). In every other case, and for unknown MACs, the script boots
 * the local disk. That is what prevents netboot loops after deploy, even on firmware that tries PXE first.
 */
import { RAMDISK_STATES, type ProvisionState } from '../baremetal/states.js';

export interface RamdiskBoot {
  baseUrl: string;
  kernel: string;
  ramdisk: string;
  kernelAppend: string;
  /** Where the ramdisk agent dials back (host:port). */
  agentEndpoint: string;
  /** Where the ramdisk fetches the undercloud CA, and the PEM's sha256 it must have. */
  caUrl?: string;
  caSha256?: string;
}

export function chainScript(baseUrl: string): string {
  return ['#!ipxe', '# undercloud: ask for this machine\'s script by MAC', `chain ${baseUrl}/ipxe/\${net0/mac:hexhyp}.ipxe || goto local`, ':local', 'exit', ''].join('\n');
}

export function nodeScript(node: { id: string; name: string; provisionState: ProvisionState } | undefined, mac: string, boot: RamdiskBoot, agentToken?: string): string {
  if (node === undefined) return localBoot(`unknown MAC ${mac}`);
  if (!RAMDISK_STATES.includes(node.provisionState)) return localBoot(`node ${node.name} is ${node.provisionState}`);
  if (!agentToken) return localBoot(`node ${node.name} is ${node.provisionState} but no ramdisk boot is prepared for it`);
  const args = [
    boot.kernelAppend,
    `BOOTIF=${mac}`,
    `undercloud.node=${node.id}`,
    `undercloud.server=${boot.agentEndpoint}`,
    `undercloud.token=${agentToken}`,
    boot.caUrl ? `undercloud.ca_url=${boot.caUrl}` : '',
    boot.caSha256 ? `undercloud.ca_sha256=${boot.caSha256}` : '',
  ].filter(Boolean).join(' ');
  return [
    '#!ipxe',
    `# undercloud: node ${node.name} is ${node.provisionState}: boot the deploy ramdisk`,
    `kernel ${boot.baseUrl}/${boot.kernel} initrd=${boot.ramdisk} ${args} || goto retry`,
    `initrd ${boot.baseUrl}/${boot.ramdisk} || goto retry`,
    'boot',
    ':retry',
    'sleep 5',
    `chain ${boot.baseUrl}/ipxe/${mac.replace(/:/g, '-')}.ipxe`,
    '',
  ].join('\n');
}

function localBoot(why: string): string {
  return ['#!ipxe', `# undercloud: ${why}: boot from the local disk`, `echo undercloud: ${why}; booting from the local disk`, 'sanboot --no-describe --drive 0x80 || exit', ''].join('\n');
}
