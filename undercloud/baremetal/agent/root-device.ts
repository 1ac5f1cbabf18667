/**
 * Root device selection from an inspected inventory and Ironic's root device hints (the node's
 * properties.root_device): name (/dev/sda or sda), size (GiB, exact or with an operator: ">= 100"),
 * model, vendor, serial, wwn (exact, ignoring case and surrounding spaces), rotational (true/false). All
 * given hints must match; the smallest matching disk wins. Without hints, Ironic's default: the smallest
 * disk of at least 4 GiB.
 */
import { InvalidError } from '../../errors.js';

export interface InventoryDisk {
  name: string;
  sizeBytes: number;
  model: string;
  serial: string;
  vendor: string;
  rotational: boolean;
  wwn: string;
}

export type RootDeviceHints = Record<string, string | number | boolean>;

const GIB = 1024 ** 3;
const MIN_ROOT_BYTES = 4 * GIB;
const KNOWN = new Set(['name', 'size', 'model', 'vendor', 'serial', 'wwn', 'rotational']);

function sizeMatches(hint: string | number | boolean, bytes: number): boolean {
  const gib = Math.floor(bytes / GIB);
  if (typeof hint === 'number') return gib === hint;
  const m = /^\s*(<=|>=|==|<|>|!=)?\s*(\d+)\s*$/.exec(String(hint));
  if (!m) throw new InvalidError('ROOT_DEVICE_HINT_INVALID', `root device hint size "${String(hint)}" is not a number of GiB (optionally with <, <=, ==, !=, >=, >)`);
  const n = Number(m[2]);
  switch (m[1] ?? '==') {
    case '<': return gib < n;
    case '<=': return gib <= n;
    case '>': return gib > n;
    case '>=': return gib >= n;
    case '!=': return gib !== n;
    default: return gib === n;
  }
}

function matches(disk: InventoryDisk, key: string, hint: string | number | boolean): boolean {
  const eq = (v: string) => v.trim().toLowerCase() === String(hint).trim().toLowerCase();
  switch (key) {
    case 'name': return eq(disk.name) || eq(`/dev/${disk.name}`);
    case 'size': return sizeMatches(hint, disk.sizeBytes);
    case 'model': return eq(disk.model);
    case 'vendor': return eq(disk.vendor);
    case 'serial': return eq(disk.serial);
    case 'wwn': return eq(disk.wwn);
    case 'rotational': return disk.rotational === (hint === true || String(hint).toLowerCase() === 'true' || hint === 1);
    default: return false;
  }
}

/** Ironic's local_gb for a root disk: one GiB short of it, leaving room for partitioning. */
export function localGbOf(disk: InventoryDisk): number {
  return Math.max(0, Math.floor(disk.sizeBytes / GIB) - 1);
}

/** The chosen disk, or an error that says what was asked and what the node has. */
export function chooseRootDevice(disks: readonly InventoryDisk[], hints: RootDeviceHints | undefined, nodeName: string): InventoryDisk {
  const given = Object.entries(hints ?? {});
  for (const [k] of given) if (!KNOWN.has(k)) throw new InvalidError('ROOT_DEVICE_HINT_INVALID', `node ${nodeName}: unknown root device hint "${k}"; known: ${[...KNOWN].join(', ')}`);
  const candidates = given.length > 0
    ? disks.filter((d) => given.every(([k, v]) => matches(d, k, v)))
    : disks.filter((d) => d.sizeBytes >= MIN_ROOT_BYTES);
  const pick = [...candidates].sort((a, b) => a.sizeBytes - b.sizeBytes || a.name.localeCompare(b.name))[0];
  if (!pick) {
    const have = disks.map((d) => `${d.name} (${(d.sizeBytes / GIB).toFixed(1)} GiB${d.model ? `, ${d.model}` : ''}${d.serial ? `, serial ${d.serial}` : ''})`).join('; ') || 'no disks';
    const wanted = given.length > 0 ? `matching the root device hints ${JSON.stringify(hints)}` : 'of at least 4 GiB';
    throw new InvalidError('ROOT_DEVICE_NOT_FOUND', `node ${nodeName}: no disk ${wanted}; the node has: ${have}`);
  }
  return pick;
}

/** `overcloud node configure --root-device`: a strategy, or device names (without /dev) in order of preference. */
export type RootDeviceChoice = { strategy: 'smallest' | 'largest' } | { names: string[] };

export interface RootDeviceHint {
  disk: InventoryDisk;
  /** What goes into properties.root_device: the disk's WWN, else its serial, else its name. */
  hint: RootDeviceHints;
  /** Set when only the name could be used (names may change between boots). */
  warning?: string;
}

/**
 * TripleO's `overcloud node configure --root-device`: picks a disk of the inspected inventory of at least
 * `minimumGib` (smallest, largest, or the first listed name present) and names it by a hint that survives
 * reboots: its WWN, else its serial. TripleO refuses a disk with neither; virtual disks often have neither,
 * so here the device name is used instead, with a warning saying why that is weaker.
 */
export function rootDeviceHintFor(disks: readonly InventoryDisk[], choice: RootDeviceChoice, minimumGib: number, nodeName: string): RootDeviceHint {
  const have = () => disks.map((d) => `${d.name} (${(d.sizeBytes / GIB).toFixed(1)} GiB)`).join(', ') || 'no disks';
  const big = disks.filter((d) => d.sizeBytes >= minimumGib * GIB);
  let disk: InventoryDisk | undefined;
  if ('strategy' in choice) {
    const sorted = [...big].sort((a, b) => a.sizeBytes - b.sizeBytes || a.name.localeCompare(b.name));
    disk = choice.strategy === 'smallest' ? sorted[0] : sorted.at(-1);
  } else {
    const bare = (n: string) => n.replace(/^\/dev\//, '');
    for (const name of choice.names) {
      disk = big.find((d) => d.name === bare(name));
      if (disk) break;
    }
  }
  if (!disk) {
    const wanted = 'strategy' in choice ? `the ${choice.strategy} disk` : `any of ${choice.names.join(', ')}`;
    throw new InvalidError('ROOT_DEVICE_NOT_FOUND', `node ${nodeName}: cannot choose ${wanted} of at least ${minimumGib} GiB; the node has: ${have()}`);
  }
  if (disk.wwn.trim()) return { disk, hint: { wwn: disk.wwn.trim() } };
  if (disk.serial.trim()) return { disk, hint: { serial: disk.serial.trim() } };
  return {
    disk, hint: { name: `/dev/${disk.name}` },
    warning: `node ${nodeName}: disk ${disk.name} reports neither a WWN nor a serial number; the hint is its name, which another boot may give another disk`,
  };
}
