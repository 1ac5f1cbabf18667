/**
 * The rules a set of networks must keep, whoever describes them (network_data.yaml through the CLI, the
 * Networks API): names unique, every CIDR a real one, pools and gateways inside their subnet, no two
 * subnets overlapping or sharing a VLAN (they share the nodes' control-plane NIC). Each problem carries the
 * path of the field in network_data.yaml's shape, so the file's parser can point at its line.
 */
import { formatIPv4, hostRange, inCidr, overlaps, parseCidr, parseIPv4, type Cidr } from './ipv4.js';
import type { NetworkSpec } from './types.js';

export interface SpecProblem {
  /** [network index, 'subnets', subnet name, field, ...] or [network index, field]. */
  path: (string | number)[];
  message: string;
}

export function validateNetworkSpecs(specs: NetworkSpec[]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const names = new Map<string, number>();
  const lowers = new Map<string, number>();
  const subnets = new Map<string, { net: string; cidr: Cidr | undefined; vlan: number | undefined }>();
  specs.forEach((n, i) => {
    const twin = names.get(n.name);
    if (twin !== undefined) problems.push({ path: [i, 'name'], message: `the network "${n.name}" is defined twice` });
    names.set(n.name, i);
    const lowerTwin = lowers.get(n.nameLower);
    if (lowerTwin !== undefined && twin === undefined) problems.push({ path: [i, 'name_lower'], message: `name_lower "${n.nameLower}" is also network "${specs[lowerTwin]!.name}"'s` });
    lowers.set(n.nameLower, i);
    if (n.subnets.length === 0) problems.push({ path: [i, 'subnets'], message: `the network "${n.name}" has no subnet` });
    for (const s of n.subnets) {
      const at = (field?: string): (string | number)[] => (field ? [i, 'subnets', s.name, field] : [i, 'subnets', s.name]);
      const other = subnets.get(s.name);
      if (other) problems.push({ path: at(), message: `the subnet "${s.name}" is also network "${other.net}"'s: subnet names are unique` });
      const cidr = parseCidr(s.cidr);
      if (typeof cidr === 'string') {
        problems.push({ path: at('ip_subnet'), message: cidr });
        subnets.set(s.name, { net: n.name, cidr: undefined, vlan: s.vlan });
        continue;
      }
      const hosts = hostRange(cidr);
      const address = (v: string, field: string, what: string): number | undefined => {
        const a = parseIPv4(v);
        if (a === undefined) problems.push({ path: at(field), message: `${what} "${v}" is not an IPv4 address` });
        else if (!(a >= hosts.start && a <= hosts.end)) problems.push({ path: at(field), message: `${what} ${v} is not a host address of ${s.cidr}` });
        else return a;
        return undefined;
      };
      const gateway = s.gateway === undefined ? undefined : address(s.gateway, 'gateway_ip', 'gateway_ip');
      const pools: { start: number; end: number }[] = [];
      s.allocationPools.forEach((p, k) => {
        const start = address(p.start, 'allocation_pools', `allocation_pools[${k}].start`);
        const end = address(p.end, 'allocation_pools', `allocation_pools[${k}].end`);
        if (start === undefined || end === undefined) return;
        if (start > end) problems.push({ path: at('allocation_pools'), message: `allocation_pools[${k}] starts at ${p.start}, after its end ${p.end}` });
        else if (pools.some((q) => start <= q.end && q.start <= end)) problems.push({ path: at('allocation_pools'), message: `allocation_pools[${k}] (${p.start}-${p.end}) overlaps another pool of ${s.name}` });
        else pools.push({ start, end });
        if (gateway !== undefined && gateway >= start && gateway <= end) problems.push({ path: at('gateway_ip'), message: `gateway_ip ${s.gateway} lies in allocation_pools[${k}] (${p.start}-${p.end}): a node could be given the gateway's address` });
      });
      for (const [name, o] of subnets) {
        if (o.cidr && overlaps(o.cidr, cidr)) problems.push({ path: at('ip_subnet'), message: `${s.cidr} overlaps ${formatIPv4(o.cidr.network)}/${o.cidr.prefix} (subnet "${name}" of network "${o.net}")` });
        if (s.vlan !== undefined && o.vlan === s.vlan) problems.push({ path: at('vlan'), message: `VLAN ${s.vlan} is also subnet "${name}"'s (network "${o.net}"): the subnets share the nodes' NIC, so each needs its own tag` });
      }
      subnets.set(s.name, { net: n.name, cidr, vlan: s.vlan });
    }
  });
  return problems;
}

/** Whether `ip` may be a host's address in `cidr` (not the network or broadcast address). */
export function isHostAddress(cidr: Cidr, ip: number): boolean {
  const h = hostRange(cidr);
  return inCidr(cidr, ip) && ip >= h.start && ip <= h.end;
}
