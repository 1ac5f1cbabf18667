/** IPv4 addresses as 32-bit numbers: parsing, CIDRs and ranges (what the IPAM needs, nothing more). */

/** The number of a dotted-quad address; undefined when `s` is not one. */
export function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0')))) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  network: number;
  prefix: number;
  /** The first and last address of the block (network and broadcast addresses for prefixes up to 30). */
  first: number;
  last: number;
}

/** `172.16.2.0/24`; an error message when it is not a CIDR or has host bits set. */
export function parseCidr(s: string): Cidr | string {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s.trim());
  const addr = m ? parseIPv4(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (addr === undefined || !(prefix >= 0 && prefix <= 32)) return `"${s}" is not an IPv4 CIDR (e.g. 172.16.2.0/24)`;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(addr / size) * size;
  if (network !== addr) return `"${s}" has host bits set: the network is ${formatIPv4(network)}/${prefix}`;
  return { network, prefix, first: network, last: network + size - 1 };
}

export function inCidr(c: Cidr, addr: number): boolean {
  return addr >= c.first && addr <= c.last;
}

/** Addresses a host may have: without the network and broadcast addresses (for prefixes up to 30). */
export function hostRange(c: Cidr): { start: number; end: number } {
  return c.prefix >= 31 ? { start: c.first, end: c.last } : { start: c.first + 1, end: c.last - 1 };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}
