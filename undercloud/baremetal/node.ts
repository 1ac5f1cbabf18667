/**
 * The node model: the domain type every part of the bare-metal service works with. Rows stay in
 * store/nodes.ts; generated proto types stay in api/convert/nodes.ts.
 */
import type { ProvisionState } from './states.js';

export type PowerState = 'power on' | 'power off';
/** What a power request asks for (Ironic's verbs). */
export type PowerTarget = 'power on' | 'power off' | 'rebooting';
export type BootDevice = 'pxe' | 'disk' | 'cdrom' | 'bios';

/** One implementation name per interface; chosen from the hardware type at enrollment. */
export interface NodeInterfaces {
  power: string;
  management: string;
  boot: string;
  deploy: string;
  inspect: string;
}

export interface NodeProperties {
  cpus?: number;
  memoryMb?: number;
  localGb?: number;
  cpuArch?: string;
  /** "profile:compute,boot_option:local" parsed into a map. */
  capabilities: Record<string, string>;
  /** Root device hints (Ironic's root_device property). */
  rootDevice?: Record<string, string | number>;
}

/** Ironic's fault for a node whose power state could not be read max times in a row (conductor power sync). */
export const POWER_FAILURE = 'power failure';

export interface Node {
  id: string;
  name: string;
  /** The hardware type (ipmi, redfish, libvirt, fake-hardware). */
  driver: string;
  interfaces: NodeInterfaces;
  /** BMC address, credentials and driver options. Contains secrets: mask with maskDriverInfo before showing. */
  driverInfo: Record<string, string>;
  properties: NodeProperties;
  provisionState: ProvisionState;
  targetProvisionState: ProvisionState | undefined;
  powerState: PowerState | undefined;
  targetPowerState: PowerTarget | undefined;
  maintenance: boolean;
  maintenanceReason: string | undefined;
  /** Why the conductor itself put the node in maintenance (Ironic's fault: "power failure"); cleared when it recovers. */
  fault: string | undefined;
  lastError: string | undefined;
  reservation: string | undefined;
  /** Deploy-time data (image, agent token, ...); filled by deploy in a later stage. */
  instanceInfo: Record<string, unknown>;
  extra: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  provisionUpdatedAt: string;
}

export interface Port {
  id: string;
  nodeId: string;
  /** Lower-case MAC address. */
  address: string;
  pxeEnabled: boolean;
}

export interface HistoryEntry {
  id: number;
  nodeId: string;
  ts: string;
  event: string;
  fromState: string;
  toState: string;
  severity: 'info' | 'error';
  message: string;
  /** The task purpose (e.g. "introspect", "recovery"). */
  purpose: string;
}

export interface NewNode {
  name: string;
  driver: string;
  interfaces: NodeInterfaces;
  driverInfo: Record<string, string>;
  properties: NodeProperties;
  extra?: Record<string, unknown>;
  macs: string[];
}

/** driver_info keys that hold secrets (masked everywhere but in the store and the driver call). */
export const SECRET_DRIVER_INFO = /(password|passwd|secret|token|key)$/i;
export const MASK = '******';

export function maskDriverInfo(info: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(info)) out[k] = SECRET_DRIVER_INFO.test(k) && v !== '' ? MASK : v;
  return out;
}

export function normalizeMac(mac: string): string {
  return mac.trim().toLowerCase().replace(/-/g, ':');
}

export const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** "profile:compute,boot_option:local" -> {profile: 'compute', boot_option: 'local'}. */
export function parseCapabilities(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    if (i <= 0) throw new Error(`"${part}" is not key:value`);
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

export function formatCapabilities(c: Record<string, string>): string {
  return Object.entries(c).map(([k, v]) => `${k}:${v}`).join(',');
}
