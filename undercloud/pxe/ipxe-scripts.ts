/**
 * iPXE scripts served per node over HTTP (pure, unit-tested). A node boots the deploy ramdisk only while
 * the conductor is working on it (inspecting, cleaning, deploying and their wait states); in every other
 * state, and for unknown MACs, the script exits so firmware boots the next device (the local disk).
 * That is what prevents netboot loops after deploy.
 */
import { RAMDISK_STATES, type ProvisionState } from '../baremetal/states.js';

export interface RamdiskBoot {
  baseUrl: string;
  kernel: string;
  ramdisk: string;
  kernelAppend: string;
  /** Where the ramdisk agent dials back (host:port). */
  agentEndpoint: string;
}

/** The script a node's kernel command line carries the token in; the agents domain fills it at deploy. */
export const AGENT_TOKEN_PLACEHOLDER = '${undercloud-agent-token}';

export function chainScript(baseUrl: string): string {
  return ['#!ipxe', '# undercloud: ask for this machine\'s script by MAC', `chain ${baseUrl}/ipxe/\${net0/mac:hexhyp}.ipxe || goto local`, ':local', 'exit', ''].join('\n');
}

export function nodeScript(node: { id: string; name: string; provisionState: ProvisionState } | undefined, mac: string, boot: RamdiskBoot, agentToken?: string): string {
  if (node === undefined) return localBoot(`unknown MAC ${mac}`);
  if (!RAMDISK_STATES.includes(node.provisionState)) return localBoot(`node ${node.name} is ${node.provisionState}`);
  const args = [
    boot.kernelAppend,
    `BOOTIF=${mac}`,
    `undercloud.node=${node.id}`,
    `undercloud.agent=${boot.agentEndpoint}`,
    `undercloud.token=${agentToken ?? AGENT_TOKEN_PLACEHOLDER}`,
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
