/**
 * The config drive a deployed node boots with (OpenStack's config-2 layout, as Ironic writes it and as the
 * image's firstboot reads it: disk-image-builder/elements/config-drive): the node's identity, hostname, SSH
 * keys, DHCP on its enrolled NICs, and what its node agent needs to dial back (endpoint, a fresh one-time
 * enrollment token, the undercloud CA).
 */
import type { Node } from '../node.js';

export interface ConfigDriveInput {
  node: Node;
  hostname: string;
  /** key name -> OpenSSH public key */
  publicKeys: Record<string, string>;
  macs: readonly string[];
  agentEndpoint: string;
  agentToken: string;
  caPem: string;
}

export function configDriveFiles(i: ConfigDriveInput): Record<string, string> {
  const meta = {
    uuid: i.node.id,
    name: i.hostname,
    hostname: i.hostname,
    public_keys: i.publicKeys,
    meta: { undercloud_agent_endpoint: i.agentEndpoint, undercloud_agent_token: i.agentToken, undercloud_ca_pem: i.caPem },
  };
  const links = i.macs.map((mac, n) => ({ id: `nic${n}`, type: 'phy', ethernet_mac_address: mac }));
  const network = { links, networks: links.map((l, n) => ({ id: `network${n}`, link: l.id, type: 'ipv4_dhcp' })), services: [] };
  return {
    'openstack/latest/meta_data.json': JSON.stringify(meta, null, 2) + '\n',
    'openstack/latest/network_data.json': JSON.stringify(network, null, 2) + '\n',
  };
}

/** Instance info keys the deploy reads (Ironic's names). */
export interface InstanceInfo {
  image_source?: string;
  hostname?: string;
  /** name -> key, or a list of keys */
  ssh_keys?: Record<string, string> | string[];
}

export function publicKeysOf(info: InstanceInfo): Record<string, string> {
  const k = info.ssh_keys;
  if (!k) return {};
  if (Array.isArray(k)) return Object.fromEntries(k.map((key, n) => [`key${n}`, key]));
  return { ...k };
}
