/**
 * `overcloud node set|unset` (Ironic's `baremetal node set|unset`): what an operator changes on an enrolled
 * node: its name, properties (cpus, memory_mb, local_gb, cpu_arch, root_device, capabilities), single
 * capabilities (the profile a role is scheduled by), and driver_info (a BMC address or a rotated password).
 * This module turns the request into the node's new fields and validates them; the service saves them under
 * the node's lock, after the driver interfaces accept the new driver_info, so a bad value changes nothing.
 */
import { InvalidError } from '../errors.js';
import { parseCapabilities, SECRET_DRIVER_INFO, type Node, type NodeProperties } from './node.js';

export interface NodeUpdate {
  name?: string;
  setProperties?: Record<string, string>;
  unsetProperties?: string[];
  setCapabilities?: Record<string, string>;
  unsetCapabilities?: string[];
  setDriverInfo?: Record<string, string>;
  unsetDriverInfo?: string[];
}

export interface NodeChange {
  name: string;
  properties: NodeProperties;
  driverInfo: Record<string, string>;
  /** What changed, for the history and the event: `properties.cpus`, `driver_info.ipmi_password`, ... (never values). */
  changed: string[];
}

/** Same rule as instackenv names: the name is how operators and stacks refer to the node. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const INT_PROPERTIES: Record<string, 'cpus' | 'memoryMb' | 'localGb'> = { cpus: 'cpus', memory_mb: 'memoryMb', local_gb: 'localGb' };
export const SETTABLE_PROPERTIES = ['cpus', 'memory_mb', 'local_gb', 'cpu_arch', 'root_device', 'capabilities'] as const;

export class NodeUpdateError extends InvalidError {
  constructor(node: string, field: string, detail: string) {
    super('NODE_UPDATE_INVALID', `node ${node}: ${field}: ${detail}`);
  }
}

export function applyNodeUpdate(node: Node, u: NodeUpdate): NodeChange {
  const bad = (field: string, detail: string) => new NodeUpdateError(node.name, field, detail);
  const changed: string[] = [];
  let name = node.name;
  if (u.name !== undefined && u.name !== node.name) {
    if (!NAME_RE.test(u.name)) throw bad('name', `"${u.name}" is not a valid name (letters, digits, . _ -; at most 63)`);
    name = u.name;
    changed.push('name');
  }

  const properties: NodeProperties = { ...node.properties, capabilities: { ...node.properties.capabilities } };
  for (const key of u.unsetProperties ?? []) {
    if (!(SETTABLE_PROPERTIES as readonly string[]).includes(key)) throw bad(`properties.${key}`, `unknown property (${SETTABLE_PROPERTIES.join(', ')})`);
    if (key === 'capabilities') properties.capabilities = {};
    else delete properties[key === 'cpu_arch' ? 'cpuArch' : key === 'root_device' ? 'rootDevice' : INT_PROPERTIES[key]!];
    changed.push(`properties.${key}`);
  }
  for (const [key, value] of Object.entries(u.setProperties ?? {})) {
    const field = `properties.${key}`;
    if (key in INT_PROPERTIES) {
      const n = Number(value);
      if (!/^\d+$/.test(value.trim()) || n <= 0) throw bad(field, `"${value}" is not a positive whole number`);
      properties[INT_PROPERTIES[key]!] = n;
    } else if (key === 'cpu_arch') {
      properties.cpuArch = value;
    } else if (key === 'capabilities') {
      try {
        properties.capabilities = parseCapabilities(value);
      } catch (err) {
        throw bad(field, `${(err as Error).message} (expected "profile:compute,boot_option:local")`);
      }
    } else if (key === 'root_device') {
      let hints: unknown;
      try {
        hints = JSON.parse(value);
      } catch {
        hints = undefined;
      }
      if (hints === null || typeof hints !== 'object' || Array.isArray(hints)) throw bad(field, `expected a JSON object of hints, e.g. '{"name": "/dev/sda"}'`);
      properties.rootDevice = hints as Record<string, string | number>;
    } else {
      throw bad(field, `unknown property (${SETTABLE_PROPERTIES.join(', ')})`);
    }
    changed.push(field);
  }
  for (const key of u.unsetCapabilities ?? []) {
    delete properties.capabilities[key];
    changed.push(`capabilities.${key}`);
  }
  for (const [key, value] of Object.entries(u.setCapabilities ?? {})) {
    if (key === '' || /[,:]/.test(key) || /[,:]/.test(value)) throw bad(`capabilities.${key}`, 'keys and values may not contain "," or ":"');
    properties.capabilities[key] = value;
    changed.push(`capabilities.${key}`);
  }

  const driverInfo = { ...node.driverInfo };
  for (const key of u.unsetDriverInfo ?? []) {
    delete driverInfo[key];
    changed.push(`driver_info.${key}`);
  }
  for (const [key, value] of Object.entries(u.setDriverInfo ?? {})) {
    if (SECRET_DRIVER_INFO.test(key) && value === '') throw bad(`driver_info.${key}`, 'an empty secret; unset it instead');
    driverInfo[key] = value;
    changed.push(`driver_info.${key}`);
  }
  return { name, properties, driverInfo, changed: [...new Set(changed)] };
}
