/**
 * instackenv.json -> nodes to enroll. Structure is checked with ajv, then meaning (pm_type, addresses, MACs,
 * capabilities, duplicates in the file and against enrolled nodes). Every problem is collected and named by
 * node (name, or index when it has none) and field; nothing is enrolled unless the whole file is valid.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { InstackenvError } from '../errors.js';
import { MAC_RE, normalizeMac, parseCapabilities, type NewNode, type NodeInterfaces } from '../node.js';
import { canonicalHardwareType, hardwareType, resolveInterfaces } from '../drivers/index.js';
import { instackenvSchema } from './instackenv-schema.js';

export interface InstackNode {
  name?: string; pm_type: string; pm_addr?: string; pm_port?: number | string; pm_user?: string; pm_password?: string;
  pm_system_id?: string; pm_verify_ca?: boolean | string; ports?: { address: string }[]; mac?: string[]; arch?: string;
  cpu?: number | string; memory?: number | string; disk?: number | string; capabilities?: string; root_device?: Record<string, string | number>;
  power_interface?: string; management_interface?: string; boot_interface?: string; deploy_interface?: string; inspect_interface?: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(instackenvSchema);

export interface ParseContext {
  enabledHardwareTypes: readonly string[];
  /** Names and MACs already enrolled (conflicts are errors). */
  existingNames: ReadonlySet<string>;
  existingMacs: ReadonlyMap<string, string>;
}

function label(raw: unknown, i: number): string {
  const name = (raw as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' ? `node ${i} (${name})` : `node ${i}`;
}

function ajvProblem(doc: { nodes?: unknown[] }, e: ErrorObject): string {
  const parts = e.instancePath.split('/').filter(Boolean);
  if (parts[0] !== 'nodes' || parts.length < 2) {
    return `${e.instancePath || '(top level)'}: ${e.keyword === 'required' ? `"${(e.params as { missingProperty: string }).missingProperty}" is required` : e.message}`;
  }
  const i = Number(parts[1]);
  let field = parts.slice(2).join('.');
  let msg = e.message ?? 'is invalid';
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    field = field ? `${field}.${missing}` : missing;
    msg = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    field = field ? `${field}.${extra}` : extra;
    msg = 'is not a known instackenv field';
  } else if (e.keyword === 'enum') {
    msg = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  }
  return `${label(doc.nodes?.[i], i)}: ${field || '(node)'}: ${msg}`;
}

/** Validates an instackenv document and returns the nodes to enroll; throws InstackenvError listing every problem. */
export function parseInstackenv(doc: unknown, ctx: ParseContext): NewNode[] {
  if (!validate(doc)) {
    const d = doc as { nodes?: unknown[] };
    // anyOf failures repeat once per branch; keep one line per distinct problem.
    const problems = [...new Set((validate.errors ?? []).filter((e) => e.keyword !== 'anyOf').map((e) => ajvProblem(d, e)))];
    throw new InstackenvError(problems);
  }
  const nodes = (doc as { nodes: InstackNode[] }).nodes;
  const problems: string[] = [];
  const out: NewNode[] = [];
  const seenNames = new Map<string, number>();
  const seenMacs = new Map<string, string>();
  nodes.forEach((n, i) => {
    const who = label(n, i);
    const bad = (field: string, msg: string) => problems.push(`${who}: ${field}: ${msg}`);
    const name = n.name ?? `node-${i}`;
    if (seenNames.has(name)) bad('name', `"${name}" is used by node ${seenNames.get(name)} too`);
    else if (ctx.existingNames.has(name)) bad('name', `a node named "${name}" is already enrolled`);
    seenNames.set(name, i);

    const macs = [...(n.ports ?? []).map((p) => p.address), ...(n.mac ?? [])];
    const field = n.ports ? 'ports.address' : 'mac';
    if (macs.length === 0) bad('ports', 'at least one port (MAC address) is required: the node must be known to DHCP to netboot');
    const normalized: string[] = [];
    for (const m of macs) {
      const mac = normalizeMac(m);
      if (!MAC_RE.test(mac)) bad(field, `"${m}" is not a MAC address`);
      else if (seenMacs.has(mac)) bad(field, `${mac} is also listed by ${seenMacs.get(mac)}`);
      else if (ctx.existingMacs.has(mac)) bad(field, `${mac} belongs to enrolled node ${ctx.existingMacs.get(mac)}`);
      else if (!normalized.includes(mac)) normalized.push(mac);
      seenMacs.set(mac, who);
    }

    let capabilities: Record<string, string> = {};
    if (n.capabilities !== undefined) {
      try {
        capabilities = parseCapabilities(n.capabilities);
      } catch (err) {
        bad('capabilities', `${(err as Error).message} (expected "profile:compute,boot_option:local")`);
      }
    }

    const hwName = canonicalHardwareType(n.pm_type);
    if (hwName === undefined) {
      bad('pm_type', `unknown "${n.pm_type}" (ipmi, redfish, libvirt, fake)`);
      return;
    }
    let interfaces: NodeInterfaces;
    try {
      const hw = hardwareType(n.pm_type, ctx.enabledHardwareTypes);
      interfaces = resolveInterfaces(hw, { power: n.power_interface, management: n.management_interface, boot: n.boot_interface, deploy: n.deploy_interface, inspect: n.inspect_interface } as Partial<NodeInterfaces>);
    } catch (err) {
      bad('pm_type', (err as Error).message);
      return;
    }
    const driverInfo = toDriverInfo(hwName, n, name, bad);
    out.push({
      name, driver: hwName, interfaces, driverInfo, macs: normalized,
      properties: {
        ...(n.cpu !== undefined ? { cpus: Number(n.cpu) } : {}),
        ...(n.memory !== undefined ? { memoryMb: Number(n.memory) } : {}),
        ...(n.disk !== undefined ? { localGb: Number(n.disk) } : {}),
        ...(n.arch !== undefined ? { cpuArch: n.arch } : {}),
        ...(n.root_device !== undefined ? { rootDevice: n.root_device } : {}),
        capabilities,
      },
    });
  });
  if (problems.length > 0) throw new InstackenvError(problems);
  return out;
}

function toDriverInfo(hw: string, n: InstackNode, name: string, bad: (field: string, msg: string) => void): Record<string, string> {
  const port = n.pm_port === undefined ? undefined : String(n.pm_port);
  switch (hw) {
    case 'ipmi':
      if (!n.pm_addr) bad('pm_addr', 'is required for pm_type ipmi (the BMC address)');
      return clean({ ipmi_address: n.pm_addr, ipmi_port: port, ipmi_username: n.pm_user, ipmi_password: n.pm_password });
    case 'redfish': {
      if (!n.pm_addr) {
        bad('pm_addr', 'is required for pm_type redfish (the BMC address or URL)');
        return {};
      }
      const address = /^https?:\/\//.test(n.pm_addr) ? n.pm_addr : `https://${n.pm_addr}${port ? `:${port}` : ''}`;
      if (n.pm_system_id !== undefined && !n.pm_system_id.startsWith('/redfish/v1/Systems/')) bad('pm_system_id', 'must start with /redfish/v1/Systems/');
      return clean({ redfish_address: address, redfish_system_id: n.pm_system_id, redfish_username: n.pm_user, redfish_password: n.pm_password, redfish_verify_ca: n.pm_verify_ca === undefined ? undefined : String(n.pm_verify_ca) });
    }
    case 'libvirt':
      if (n.pm_addr !== undefined && !/^[a-z+]+:\/\//.test(n.pm_addr)) bad('pm_addr', `"${n.pm_addr}" is not a libvirt URI (e.g. qemu:///system)`);
      return clean({ libvirt_uri: n.pm_addr ?? 'qemu:///system', libvirt_domain: n.pm_system_id ?? name });
    default:
      return {};
  }
}

function clean(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string>;
}
