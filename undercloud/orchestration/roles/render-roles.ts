/**
 * roles_data.yaml -> the per-role part of the plan, as THT's overcloud.j2.yaml renders it: for each role R,
 * parameters RCount, RHostnameFormat, RRemovalPolicies, RRemovalPoliciesMode, RServices, RParameters,
 * RImage, RIPs, and a resource R of type OS::Heat::ResourceGroup whose members are `OS::TripleO::R` (the
 * registry maps that to the role's template; by default it aliases `OS::TripleO::Role`). parseStack merges
 * these into the root template (names the template defines itself win). Positions point into the roles file.
 */
import { Ajv } from 'ajv';
import { TemplateError } from '../errors.js';
import { rawToJson } from '../template/resolve.js';
import type { Json, MapSnippet, Snippet, SourcePos } from '../template/types.js';
import { parseYaml } from '../template/yaml-source.js';
import type { NetworkSpec } from '../../networks/types.js';

export interface RoleSpec {
  name: string;
  description?: string;
  countDefault: number;
  hostnameFormatDefault: string;
  servicesDefault: string[];
  tags: string[];
  roleParametersDefault: { [k: string]: Json };
  imageDefault: string;
  /** roles_data's `networks`: a list of names, or name -> {subnet}. */
  networks: { name: string; subnet?: string }[];
  pos: SourcePos;
}

export interface RenderedRoles {
  roles: RoleSpec[];
  /** Raw (unparsed) entries to merge into the root template's sections. */
  parameters: MapSnippet['entries'];
  resources: MapSnippet['entries'];
  /** Lowest-priority registry defaults: OS::TripleO::<Role> -> OS::TripleO::Role. */
  registry: { type: string; target: string; pos: SourcePos }[];
  errors: TemplateError[];
}

const roleSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*$' },
      description: { type: 'string' },
      CountDefault: { type: 'integer', minimum: 0 },
      HostnameFormatDefault: { type: 'string' },
      ServicesDefault: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
      tags: { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] },
      RoleParametersDefault: { anyOf: [{ type: 'object' }, { type: 'null' }] },
      ImageDefault: { type: 'string' },
      FlavorDefault: { type: 'string' },
      networks: { anyOf: [{ type: 'array' }, { type: 'object' }, { type: 'null' }] },
    },
  },
};
const validateRoles = new Ajv({ allErrors: true, strict: false }).compile(roleSchema);

/** Plain JSON -> raw snippet, every node at `pos` (generated text has no source of its own). */
export function fromJson(v: Json, pos: SourcePos): Snippet {
  if (Array.isArray(v)) return { kind: 'list', items: v.map((x) => fromJson(x, pos)), pos };
  if (typeof v === 'object' && v !== null) {
    return { kind: 'map', entries: Object.entries(v).map(([key, x]) => ({ key, keyPos: pos, value: fromJson(x, pos) })), pos };
  }
  return { kind: 'literal', value: v, pos };
}

/** The node at a JSON-pointer-like path (ajv's instancePath split), or the deepest one on the way. */
export function nodeAt(root: Snippet, path: string[]): Snippet | undefined {
  let cur: Snippet | undefined = root;
  for (const seg of path) {
    if (cur?.kind === 'list') cur = cur.items[Number(seg)];
    else if (cur?.kind === 'map') cur = cur.entries.find((e) => e.key === seg)?.value;
    else return cur;
  }
  return cur;
}

/**
 * `networks`: the enabled networks of network_data.yaml when the deploy has one (-n). Each member then gets
 * `Networks`, the networks of its role that network_data.yaml defines (TripleO skips the others too, so one
 * roles_data.yaml serves deploys with and without isolated networks).
 */
export function renderRoles(rolesYaml: string, file: string, networks?: NetworkSpec[]): RenderedRoles {
  const out: RenderedRoles = { roles: [], parameters: [], resources: [], registry: [], errors: [] };
  const parsed = parseYaml(file, rolesYaml);
  if (parsed.root === undefined) {
    out.errors.push(...parsed.errors);
    return out;
  }
  const root = parsed.root;
  const data = rawToJson(root);
  if (!validateRoles(data)) {
    for (const e of validateRoles.errors ?? []) {
      const path = e.instancePath.split('/').filter(Boolean);
      const node = nodeAt(root, path) ?? root;
      out.errors.push(new TemplateError('ROLES_INVALID', node.pos, path, `roles_data: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`));
    }
    return out;
  }
  const items = root.kind === 'list' ? root.items : [];
  const seen = new Set<string>();
  (data as { [k: string]: Json }[]).forEach((r, i) => {
    const pos = items[i]?.pos ?? root.pos;
    const name = r['name'] as string;
    if (seen.has(name)) {
      out.errors.push(new TemplateError('ROLES_INVALID', pos, [String(i), 'name'], `roles_data: the role "${name}" is defined twice`));
      return;
    }
    seen.add(name);
    const spec: RoleSpec = {
      name,
      countDefault: (r['CountDefault'] as number | undefined) ?? 0,
      hostnameFormatDefault: (r['HostnameFormatDefault'] as string | undefined) ?? `%stackname%-${name.toLowerCase()}-%index%`,
      servicesDefault: (r['ServicesDefault'] as string[] | null | undefined) ?? [],
      tags: (r['tags'] as string[] | null | undefined) ?? [],
      roleParametersDefault: (r['RoleParametersDefault'] as { [k: string]: Json } | null | undefined) ?? {},
      imageDefault: (r['ImageDefault'] as string | undefined) ?? 'overcloud-full',
      networks: roleNetworks(r['networks']),
      pos,
    };
    if (typeof r['description'] === 'string') spec.description = r['description'];
    // Two roles with one format name two servers alike (member 0 of each): hosts files and node delete could not tell them apart.
    const twin = out.roles.find((o) => o.hostnameFormatDefault === spec.hostnameFormatDefault);
    if (twin) {
      const at = nodeAt(items[i] ?? root, ['HostnameFormatDefault'])?.pos ?? pos;
      out.errors.push(new TemplateError('ROLES_INVALID', at, [String(i), 'HostnameFormatDefault'],
        `roles_data: the roles "${twin.name}" and "${name}" have the same hostname format "${spec.hostnameFormatDefault}": their servers would share hostnames; give ${name} its own (e.g. '%stackname%-${name.toLowerCase()}-%index%')`));
    }
    out.roles.push(spec);
    render(spec, out, networks);
  });
  return out;
}

function roleNetworks(v: Json | undefined): RoleSpec['networks'] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').map((name) => ({ name }));
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v).map(([name, o]) => {
      const subnet = typeof o === 'object' && o !== null && !Array.isArray(o) ? o['subnet'] : undefined;
      return typeof subnet === 'string' ? { name, subnet } : { name };
    });
  }
  return [];
}

/** What a member's ports resource asks for: the role's networks that network_data.yaml defines, as it defines them. */
function memberNetworks(r: RoleSpec, networks: NetworkSpec[]): Json[] {
  const out: Json[] = [];
  for (const want of r.networks) {
    const n = networks.find((x) => x.name === want.name || x.nameLower === want.name);
    if (!n) continue;
    const s = n.subnets.find((x) => x.name === want.subnet) ?? n.subnets[0];
    if (!s) continue;
    out.push({ network: n.nameLower, subnet: s.name, ip_subnet: s.cidr, ...(s.vlan !== undefined ? { vlan: s.vlan } : {}), mtu: n.mtu });
  }
  return out;
}

function render(r: RoleSpec, out: RenderedRoles, networks: NetworkSpec[] | undefined): void {
  const n = r.name;
  const p = (key: string, def: Json): void => void out.parameters.push({ key: `${n}${key}`, keyPos: r.pos, value: fromJson(def, r.pos) });
  p('Count', { type: 'number', default: r.countDefault, description: `Number of ${n} nodes.`, constraints: [{ range: { min: 0 } }] });
  p('HostnameFormat', { type: 'string', default: r.hostnameFormatDefault, description: `Hostname format of ${n} nodes (%stackname%, %index%).` });
  p('RemovalPolicies', { type: 'json', default: [], description: `Members of ${n} to remove on scale-down, e.g. [{resource_list: ['0']}].` });
  p('RemovalPoliciesMode', { type: 'string', default: 'append', constraints: [{ allowed_values: ['append', 'update'] }] });
  p('Services', { type: 'comma_delimited_list', default: r.servicesDefault, description: `Services deployed on ${n} nodes.` });
  p('Parameters', { type: 'json', default: r.roleParametersDefault, description: `Role-specific parameters of ${n}.` });
  p('Image', { type: 'string', default: r.imageDefault });
  p('IPs', { type: 'json', default: {}, description: `Fixed addresses of ${n} nodes on the isolated networks (TripleO's): name_lower -> one address per member index, e.g. {internal_api: [172.16.2.10, 172.16.2.11]}.` });
  out.resources.push({
    key: n,
    keyPos: r.pos,
    value: fromJson(
      {
        type: 'OS::Heat::ResourceGroup',
        properties: {
          count: { get_param: `${n}Count` },
          removal_policies: { get_param: `${n}RemovalPolicies` },
          removal_policies_mode: { get_param: `${n}RemovalPoliciesMode` },
          resource_def: {
            type: `OS::TripleO::${n}`,
            properties: {
              RoleName: n,
              Index: '%index%',
              Hostname: { str_replace: { template: { get_param: `${n}HostnameFormat` }, params: { '%stackname%': { get_param: 'OS::stack_name' } } } },
              ServiceNames: { get_param: `${n}Services` },
              RoleParameters: { get_param: `${n}Parameters` },
              Image: { get_param: `${n}Image` },
              Tags: r.tags,
              ...(networks ? { Networks: memberNetworks(r, networks), IPs: { get_param: `${n}IPs` } } : {}),
            },
          },
        },
      },
      r.pos,
    ),
  });
  out.registry.push({ type: `OS::TripleO::${n}`, target: 'OS::TripleO::Role', pos: r.pos });
}
