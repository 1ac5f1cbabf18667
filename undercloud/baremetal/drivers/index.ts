/**
 * The explicit registry of hardware types (grpc-js style: listed by name, nothing registers on import), and
 * composition of a node's driver set from its hardware type and chosen interface names.
 */
import type { Node, NodeInterfaces } from '../node.js';
import { UnknownDriverError } from '../errors.js';
import { INTERFACE_KINDS, type DriverSet } from './interfaces.js';
import { fakeHw, ipmiHw, libvirtHw, redfishHw, type HardwareType } from './hardware-types.js';

export const HARDWARE_TYPES: readonly HardwareType[] = [ipmiHw, redfishHw, libvirtHw, fakeHw];

/** instackenv pm_type / config names that mean one of ours (TripleO's "pxe_ipmitool" era names too). */
const ALIASES: Record<string, string> = {
  fake: 'fake-hardware', 'fake-hardware': 'fake-hardware', ipmi: 'ipmi', pxe_ipmitool: 'ipmi', ipmitool: 'ipmi',
  redfish: 'redfish', libvirt: 'libvirt', virsh: 'libvirt', staging_libvirt: 'libvirt',
};

export function canonicalHardwareType(name: string): string | undefined {
  return ALIASES[name];
}

/** The hardware type named `name`, if it is known and enabled. */
export function hardwareType(name: string, enabled: readonly string[]): HardwareType {
  const canonical = canonicalHardwareType(name);
  const hw = HARDWARE_TYPES.find((h) => h.name === canonical);
  const on = new Set(enabled.map((e) => canonicalHardwareType(e) ?? e));
  if (!hw) throw new UnknownDriverError(`unknown hardware type "${name}"; known: ${HARDWARE_TYPES.map((h) => h.name).join(', ')}`);
  if (!on.has(hw.name)) throw new UnknownDriverError(`hardware type "${hw.name}" is not enabled (enabled_hardware_types = ${enabled.join(',')})`);
  return hw;
}

/** Picks one implementation per interface: the requested one when the hardware type supports it, else the default. */
export function resolveInterfaces(hw: HardwareType, requested: Partial<NodeInterfaces> = {}): NodeInterfaces {
  const out = {} as NodeInterfaces;
  for (const kind of INTERFACE_KINDS) {
    const list = hw[kind];
    const want = requested[kind];
    if (want === undefined || want === '') {
      out[kind] = list[0]!.name;
      continue;
    }
    if (!list.some((i) => i.name === want)) {
      throw new UnknownDriverError(`${kind}_interface "${want}" is not supported by hardware type ${hw.name}; supported: ${list.map((i) => i.name).join(', ')}`);
    }
    out[kind] = want;
  }
  return out;
}

export function driverSetFor(node: Node): DriverSet {
  const hw = HARDWARE_TYPES.find((h) => h.name === node.driver);
  if (!hw) throw new UnknownDriverError(`node ${node.name}: unknown hardware type "${node.driver}"`);
  const pick = <K extends keyof NodeInterfaces>(kind: K) => {
    const impl = (hw[kind] as readonly { name: string }[]).find((i) => i.name === node.interfaces[kind]);
    if (!impl) throw new UnknownDriverError(`node ${node.name}: ${kind}_interface "${node.interfaces[kind]}" is not supported by ${hw.name}`);
    return impl;
  };
  return {
    hardwareType: hw.name,
    power: pick('power') as DriverSet['power'],
    management: pick('management') as DriverSet['management'],
    boot: pick('boot') as DriverSet['boot'],
    deploy: pick('deploy') as DriverSet['deploy'],
    inspect: pick('inspect') as DriverSet['inspect'],
  };
}

/** Runs every interface's quick validate (the API calls this synchronously). */
export function validateDrivers(node: Node): DriverSet {
  const d = driverSetFor(node);
  for (const kind of INTERFACE_KINDS) d[kind].validate(node);
  return d;
}
