/**
 * The overcloud's isolated networks as the undercloud keeps them (TripleO's network_data.yaml, v2 format,
 * which Wallaby's `overcloud network provision` creates in the undercloud's Neutron): a network has
 * subnets, a subnet a CIDR, allocation pools and a VLAN; a port is one address of a subnet held by an owner
 * (a server's ports resource). IPv4 only.
 */
import type { NetworkPortRequest, ServerAddress } from '../orchestration/ports.js';

export interface AllocationPool {
  start: string;
  end: string;
}

export interface SubnetSpec {
  /** Unique across networks (TripleO's `internal_api_subnet`). */
  name: string;
  /** `172.16.2.0/24`: the network address and the prefix length, host bits zero. */
  cidr: string;
  gateway?: string;
  /** 802.1Q tag of the subnet on the nodes' control-plane NIC. */
  vlan?: number;
  /** Where new addresses come from (fixed addresses may lie anywhere in the CIDR). Default: the whole CIDR. */
  allocationPools: AllocationPool[];
}

export interface NetworkSpec {
  /** TripleO's `name` (InternalApi): what roles_data's `networks` names. */
  name: string;
  /** TripleO's `name_lower` (internal_api): the name in host names, outputs and the nodes' interface files. */
  nameLower: string;
  mtu: number;
  /** TripleO's `vip` flag: the network carries virtual IPs (kept; VIPs are not allocated yet). */
  vip: boolean;
  dnsDomain?: string;
  subnets: SubnetSpec[];
}

export interface Network extends NetworkSpec {
  id: string;
  createdAt: string;
  updatedAt: string;
  /** Ports allocated on the network's subnets. */
  portCount: number;
}

/** What a server asks of one network: its name or name_lower, a subnet (default the first), a fixed address (default the lowest free one of the pools). */
export type PortRequest = NetworkPortRequest;

/** A held address: what orchestration's ports resource sees (ServerAddress), with its id and holder. */
export interface AllocatedPort extends ServerAddress {
  id: string;
  owner: string;
  hostname: string;
}
