/**
 * undercloud.conf: read (INI with line numbers), validate (ajv; every error names the file, the key and its
 * line), then compile into a fully defaulted DaemonConfig (Temporal's options -> compiled options). Only
 * DaemonConfig travels further into the code. Relative paths are relative to the config file's directory,
 * so a test or a second undercloud can keep everything under one folder.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { parseIni, type IniEntry } from './ini.js';
import { defaultSectionSchema, subnetSchema } from './config-schema.js';
import { sections as domainSections } from './config-sections.js';

export { DEFAULT_CONFIG_PATH, resolveConfigPath } from './config-path.js';

export interface SubnetConfig {
  name: string;
  cidr: string;
  dhcpStart: string;
  dhcpEnd: string;
  inspectionRange: [string, string];
  gateway: string;
  masquerade: boolean;
}

export interface DaemonConfig {
  file: string;
  localIp: string;
  localInterface: string;
  localSubnet: string;
  subnets: SubnetConfig[];
  debug: boolean;
  nameservers: string[];
  ntpServers: string[];
  enabledHardwareTypes: string[];
  cleanNodes: boolean;
  ipxeEnabled: boolean;
  stateDir: string;
  storePath: string;
  socketPath: string;
  logFile: string | undefined;
  pkiDir: string;
  apiTlsListen: string | undefined;
  agentListen: string;
  shutdownGraceSeconds: number;
  networkNamespace: string | undefined;
  /** Compiled domain sections by name ([agents], [orchestration], ...); each domain reads its own. */
  sections: Record<string, unknown>;
}

export { sectionOf } from './config-sections.js';

type Raw = Record<string, string | boolean | number>;

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, coerceTypes: true, strict: true }));
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
ajv.addFormat('ipv4-cidr', new RegExp(`^(${OCTET}\\.){3}${OCTET}\\/(\\d|[12]\\d|3[0-2])$`));
const validateDefault = ajv.compile(defaultSectionSchema);
const validateSubnet = ajv.compile(subnetSchema);
const sectionValidators = new Map(domainSections.map((s) => [s.name, { section: s, validate: ajv.compile(s.schema) }]));

/** Which config file to use: --config, then UNDERCLOUD_CONFIG, then /etc/undercloud/undercloud.conf. */
export function loadConfig(file: string): DaemonConfig {
  if (!existsSync(file)) {
    throw new ConfigError(file, undefined, undefined, 'config file not found (create it with "undercloud install", or pass --config PATH)');
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, undefined, undefined, `cannot read: ${(err as Error).message}`);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): DaemonConfig {
  const { doc, sectionLines } = parseIni(text, file);
  const defaults = doc.get('DEFAULT')!;
  const rawDefault = checkSection(defaults, validateDefault, file, 'DEFAULT');
  const subnetNames = splitList(String(rawDefault.subnets ?? rawDefault.local_subnet ?? 'ctlplane-subnet'));
  const localSubnet = String(rawDefault.local_subnet ?? subnetNames[0]);
  if (!subnetNames.includes(localSubnet)) {
    throw new ConfigError(file, 'local_subnet', defaults.get('local_subnet')?.line, `"${localSubnet}" is not listed in subnets (${subnetNames.join(', ')})`);
  }
  for (const [name] of doc) {
    if (name !== 'DEFAULT' && !subnetNames.includes(name) && !sectionValidators.has(name)) {
      const known = ['DEFAULT', ...sectionValidators.keys(), ...subnetNames].map((s) => `[${s}]`).join(', ');
      throw new ConfigError(file, `[${name}]`, sectionLines.get(name), `unknown section (known: ${known}; subnets must be listed in "subnets")`);
    }
  }
  const localIp = String(rawDefault.local_ip ?? '192.168.24.1/24');
  const subnets = subnetNames.map((name) => compileSubnet(name, checkSection(doc.get(name) ?? new Map(), validateSubnet, file, name), localIp));
  const dir = path.dirname(path.resolve(file));
  const abs = (p: string) => path.resolve(dir, p);
  const compiledSections: Record<string, unknown> = {};
  for (const [name, { section, validate }] of sectionValidators) {
    const raw = checkSection(doc.get(name) ?? new Map(), validate as typeof validateSubnet, file, name);
    compiledSections[name] = section.compile(raw, abs);
  }
  const stateDir = abs(String(rawDefault.state_dir ?? '/var/lib/undercloud'));
  const logFile = rawDefault.log_file === undefined ? '/var/log/undercloud/undercloud.log' : String(rawDefault.log_file);
  return {
    file: path.resolve(file),
    localIp,
    localInterface: String(rawDefault.local_interface ?? 'br-ctlplane'),
    localSubnet,
    subnets,
    debug: rawDefault.undercloud_debug === true,
    nameservers: splitList(String(rawDefault.undercloud_nameservers ?? '')),
    ntpServers: splitList(String(rawDefault.undercloud_ntp_servers ?? '')),
    enabledHardwareTypes: splitList(String(rawDefault.enabled_hardware_types ?? 'ipmi,redfish,libvirt,fake')),
    cleanNodes: rawDefault.clean_nodes === true,
    ipxeEnabled: rawDefault.ipxe_enabled !== false,
    stateDir,
    storePath: rawDefault.store_path === undefined ? path.join(stateDir, 'undercloud.sqlite') : abs(String(rawDefault.store_path)),
    socketPath: rawDefault.socket_path === undefined ? '/run/undercloud/undercloud.sock' : abs(String(rawDefault.socket_path)),
    logFile: logFile === '' ? undefined : abs(logFile),
    pkiDir: abs(String(rawDefault.pki_dir ?? '/etc/undercloud/pki')),
    apiTlsListen: rawDefault.api_tls_listen ? String(rawDefault.api_tls_listen) : undefined,
    agentListen: String(rawDefault.agent_listen ?? `${localIp.split('/')[0]}:8444`),
    shutdownGraceSeconds: Number(rawDefault.shutdown_grace_seconds ?? 30),
    networkNamespace: rawDefault.network_namespace ? String(rawDefault.network_namespace) : undefined,
    sections: compiledSections,
  };
}

function checkSection(entries: Map<string, IniEntry>, validate: typeof validateDefault | typeof validateSubnet, file: string, section: string): Raw {
  const raw: Raw = {};
  for (const [k, e] of entries) raw[k] = e.value;
  if (!validate(raw)) {
    const err = (validate.errors ?? [])[0]!;
    const key = keyOf(err);
    throw new ConfigError(file, section === 'DEFAULT' ? key : `[${section}] ${key}`, key ? entries.get(key)?.line : undefined, describe(err));
  }
  return raw;
}

function keyOf(err: ErrorObject): string {
  if (err.keyword === 'additionalProperties') return String((err.params as { additionalProperty: string }).additionalProperty);
  return err.instancePath.replace(/^\//, '');
}

function describe(err: ErrorObject): string {
  switch (err.keyword) {
    case 'additionalProperties': return 'unknown key (see docs/configuration.md for the keys undercloud.conf takes)';
    case 'format': return `must be ${err.params.format === 'ipv4-cidr' ? 'an IPv4 address with a prefix, like 192.168.24.1/24' : `a valid ${String(err.params.format)}`}`;
    case 'type': return `must be ${String(err.params.type)}${err.params.type === 'boolean' ? ' (true or false)' : ''}`;
    default: return err.message ?? err.keyword;
  }
}

function compileSubnet(name: string, raw: Raw, localIp: string): SubnetConfig {
  const base = localIp.split('/')[0]!.split('.').slice(0, 3).join('.');
  const range = String(raw.inspection_iprange ?? `${base}.100,${base}.120`).split(',') as [string, string];
  return {
    name,
    cidr: String(raw.cidr ?? `${base}.0/24`),
    dhcpStart: String(raw.dhcp_start ?? `${base}.5`),
    dhcpEnd: String(raw.dhcp_end ?? `${base}.24`),
    inspectionRange: range,
    gateway: String(raw.gateway ?? localIp.split('/')[0]),
    masquerade: raw.masquerade === true,
  };
}

function splitList(s: string): string[] {
  return s.split(',').map((x) => x.trim()).filter((x) => x !== '');
}
