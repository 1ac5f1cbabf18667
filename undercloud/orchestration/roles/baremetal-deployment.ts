/**
 * baremetal_deployment.yaml (TripleO's `overcloud node provision` input, Wallaby and later) -> the instances
 * to provision and the environment that makes the stack's role groups use them.
 *
 * Expansion follows tripleo-ansible's `expand` so that an operator's file gives the hostnames it gave there:
 * per role, `count` provisioned instances (explicit `instances` first, then generated ones from `defaults`);
 * an instance without `hostname` takes its node `name`, and otherwise the next name of `hostname_format`
 * (`%stackname%-<role lower case>-%index%`, Compute: `novacompute`) not already taken; `HostnameMap` maps
 * the name the role group generates for a member to the hostname given here. Instances with
 * `provisioned: false` keep their index (so no other member is renamed) and are listed in
 * `<Role>RemovalPolicies`, and `<Role>Count` counts the provisioned ones.
 *
 * Accepted keys are the ones this undercloud acts on; every other key TripleO knows (networks, traits,
 * root_size_gb, ansible_playbooks, managed, ...) is an error naming its position rather than silently
 * ignored, because an operator relying on it would get a different overcloud than asked for.
 */
import { Ajv } from 'ajv';
import { TemplateError } from '../errors.js';
import { rawToJson } from '../template/resolve.js';
import type { Json, SourcePos } from '../template/types.js';
import { parseYaml } from '../template/yaml-source.js';
import { nodeAt } from './render-roles.js';

export interface DeploymentInstance {
  role: string;
  hostname: string;
  /** A specific node (name or id), when the file names one. */
  node?: string;
  profile?: string;
  capabilities: Record<string, string>;
  /** An image-store image name or id. */
  image: string;
  sshKeys: string[];
  provisioned: boolean;
  pos: SourcePos;
}

export interface ExpandedDeployment {
  /** The roles the file lists, count 0 included. */
  roles: string[];
  /** Every instance, provisioned or not, role by role. */
  instances: DeploymentInstance[];
  /** parameter_defaults for the stack: HostnameMap, <Role>Count, <Role>HostnameFormat, <Role>RemovalPolicies. */
  parameters: Record<string, Json>;
  errors: TemplateError[];
}

export const DEFAULT_IMAGE = 'overcloud-full';

const stringMap = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } };
const instanceProps = {
  hostname: { type: 'string', minLength: 2, maxLength: 255 },
  name: { type: 'string', minLength: 1 },
  image: {
    type: 'object',
    required: ['href'],
    additionalProperties: false,
    properties: { href: { type: 'string', minLength: 1 }, checksum: { type: 'string' } },
  },
  profile: { type: 'string', minLength: 1 },
  capabilities: stringMap,
  ssh_public_keys: { type: 'string' },
  provisioned: { type: 'boolean' },
};
const schema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*$' },
      count: { type: 'integer', minimum: 0 },
      hostname_format: { type: 'string', minLength: 1 },
      defaults: { type: 'object', additionalProperties: false, properties: { image: instanceProps.image, profile: instanceProps.profile, capabilities: stringMap, ssh_public_keys: instanceProps.ssh_public_keys } },
      instances: { type: 'array', items: { type: 'object', additionalProperties: false, properties: instanceProps } },
    },
  },
};
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

interface RawInstance {
  hostname?: string;
  name?: string;
  image?: { href: string };
  profile?: string;
  capabilities?: Record<string, string | number | boolean>;
  ssh_public_keys?: string;
  provisioned?: boolean;
}
interface RawRole {
  name: string;
  count?: number;
  hostname_format?: string;
  defaults?: Omit<RawInstance, 'hostname' | 'name' | 'provisioned'>;
  instances?: RawInstance[];
}

/** TripleO's default hostname format of a role (THT names Compute nodes "novacompute"). */
export function defaultHostnameFormat(role: string): string {
  return `%stackname%-${role === 'Compute' ? 'novacompute' : role.toLowerCase()}-%index%`;
}

function hostnameOf(format: string, index: number, stack: string): string {
  return format.replaceAll('%stackname%', stack).replaceAll('%index%', String(index));
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function messageOf(e: { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }): string {
  if (e.keyword === 'additionalProperties') {
    const key = String(e.params.additionalProperty);
    return `"${key}" is not supported here (this undercloud acts on: name, count, hostname_format, defaults, instances; per instance: ${Object.keys(instanceProps).join(', ')})`;
  }
  return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`;
}

/** Parses, validates and expands a baremetal_deployment.yaml for the stack `stack`. */
export function expandBaremetalDeployment(text: string, file: string, stack: string): ExpandedDeployment {
  const out: ExpandedDeployment = { roles: [], instances: [], parameters: {}, errors: [] };
  const parsed = parseYaml(file, text);
  if (parsed.root === undefined) {
    out.errors.push(...parsed.errors);
    return out;
  }
  const root = parsed.root;
  const err = (path: (string | number)[], detail: string): void => {
    const p = path.map(String);
    out.errors.push(new TemplateError('BAREMETAL_DEPLOYMENT_INVALID', (nodeAt(root, p) ?? root).pos, p, detail));
  };
  const data = rawToJson(root);
  if (!validate(data)) {
    for (const e of validate.errors ?? []) err(e.instancePath.split('/').filter(Boolean), messageOf(e));
    return out;
  }
  const roles = data as unknown as RawRole[];
  const hostnameMap: Record<string, string> = {};
  const seenRoles = new Set<string>();
  const hostnameAt = new Map<string, string>(); // hostname -> where it was first given
  const nodeAt_ = new Map<string, string>();
  roles.forEach((role, r) => {
    if (seenRoles.has(role.name)) return err([r, 'name'], `the role "${role.name}" is listed twice`);
    seenRoles.add(role.name);
    out.roles.push(role.name);
    const format = role.hostname_format ?? defaultHostnameFormat(role.name);
    if (!format.includes('%index%')) return err([r, 'hostname_format'], `hostname_format "${format}" has no %index%: every generated hostname would be the same`);
    const count = role.count ?? 1;
    const defaults = role.defaults ?? {};
    const explicit = role.instances ?? [];
    // Every name the group could generate while expanding, with its index (what removal policies name).
    const potential = new Map<string, number>();
    for (let i = 0; i < count + explicit.length; i++) potential.set(hostnameOf(format, i, stack), i);

    const merged: { raw: RawInstance; path: (string | number)[] }[] = explicit.map((inst, i) => {
      const m: RawInstance = { ...defaults, ...inst, capabilities: { ...defaults.capabilities, ...inst.capabilities } };
      if (m.hostname === undefined && m.name !== undefined) m.hostname = m.name;
      return { raw: m, path: [r, 'instances', i] };
    });
    const roleMap = new Map<string, string>(); // generated name -> hostname, for this role
    for (const { raw } of merged) if (raw.hostname !== undefined && potential.has(raw.hostname)) roleMap.set(raw.hostname, raw.hostname);
    while (merged.filter((m) => m.raw.provisioned !== false).length < count) merged.push({ raw: { ...defaults, capabilities: { ...defaults.capabilities } }, path: [r, 'defaults'] });

    let index = 0;
    const removed: string[] = [];
    let provisioned = 0;
    for (const { raw, path } of merged) {
      let generated: string | undefined;
      if (raw.hostname === undefined || !roleMap.has(raw.hostname)) {
        do generated = hostnameOf(format, index++, stack);
        while (roleMap.has(generated));
        raw.hostname ??= generated;
        roleMap.set(generated, raw.hostname);
      }
      const hostname = raw.hostname;
      if (raw.provisioned === false) {
        const i = potential.get(generated ?? hostname);
        if (i !== undefined) removed.push(String(i));
      } else provisioned++;
      const where = path.join('.');
      if (!HOSTNAME.test(hostname)) err([...path, 'hostname'], `"${hostname}" is not a valid hostname (letters, digits and hyphens, labels of at most 63 characters)`);
      if (hostnameAt.has(hostname)) err([...path, 'hostname'], `the hostname "${hostname}" is given twice (also at ${hostnameAt.get(hostname)})`);
      hostnameAt.set(hostname, where);
      if (raw.name !== undefined && raw.provisioned !== false) {
        if (nodeAt_.has(raw.name)) err([...path, 'name'], `the node "${raw.name}" is named by two instances (also at ${nodeAt_.get(raw.name)})`);
        nodeAt_.set(raw.name, where);
      }
      const capabilities = Object.fromEntries(Object.entries(raw.capabilities ?? {}).map(([k, v]) => [k, String(v)]));
      const inst: DeploymentInstance = {
        role: role.name, hostname, capabilities, image: raw.image?.href ?? DEFAULT_IMAGE,
        sshKeys: (raw.ssh_public_keys ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== ''),
        provisioned: raw.provisioned !== false, pos: (nodeAt(root, path.map(String)) ?? root).pos,
      };
      if (raw.name !== undefined) inst.node = raw.name;
      if (raw.profile !== undefined) inst.profile = raw.profile;
      out.instances.push(inst);
    }
    for (const [gen, host] of roleMap) hostnameMap[gen] = host;
    out.parameters[`${role.name}Count`] = provisioned;
    out.parameters[`${role.name}HostnameFormat`] = format;
    if (removed.length > 0) out.parameters[`${role.name}RemovalPolicies`] = [{ resource_list: removed }];
  });
  out.parameters.HostnameMap = hostnameMap;
  return out;
}
