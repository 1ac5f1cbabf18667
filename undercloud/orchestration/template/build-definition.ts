/**
 * Parsed template sections -> StackDefinition: parameters, resources (types looked up in the resource
 * registry; provider templates located in the bundle), outputs, conditions. Functions are recognised
 * here (parseSnippet), so the whole definition is walked once by validation and resolution.
 */
import { resolveType } from '../environment/registry.js';
import type { MergedEnvironment } from '../environment/types.js';
import type { TemplateWarning } from '../errors.js';
import { parseSnippet } from './parse-snippet.js';
import type { SnippetParseContext } from './parse-snippet.js';
import { isTemplatePath, resolveRef } from './paths.js';
import { rawToJson } from './resolve.js';
import type { Sink } from './validate.js';
import type { Json, MapSnippet, OutputDef, ParameterConstraint, ParameterDef, ParameterType, ResourceDef, Snippet, StackDefinition, TemplateBundle } from './types.js';

export interface BuildInput {
  file: string;
  version: string;
  root: MapSnippet;
  bundle: TemplateBundle;
  env: MergedEnvironment;
  isKnownType?: (type: string) => boolean;
  warn: (w: TemplateWarning) => void;
  error: Sink;
}

const TYPE_ALIASES: Record<string, ParameterType> = {
  String: 'string',
  Number: 'number',
  CommaDelimitedList: 'comma_delimited_list',
  Json: 'json',
  Boolean: 'boolean',
};

function section(root: MapSnippet, key: string): MapSnippet['entries'] {
  const s = root.entries.find((e) => e.key === key)?.value;
  return s?.kind === 'map' ? s.entries : [];
}

function truthy(v: Json | undefined): boolean {
  return v === true || (typeof v === 'string' && ['t', 'true', 'on', 'y', 'yes', '1'].includes(v.toLowerCase()));
}

export function parameterTypeOf(raw: Json | undefined): ParameterType | undefined {
  if (typeof raw !== 'string') return undefined;
  return TYPE_ALIASES[raw] ?? (['string', 'number', 'comma_delimited_list', 'json', 'boolean'].includes(raw) ? (raw as ParameterType) : undefined);
}

function buildParameter(name: string, keyPos: ParameterDef['pos'], s: Snippet): ParameterDef | undefined {
  if (s.kind !== 'map') return undefined;
  const get = (k: string): Snippet | undefined => s.entries.find((e) => e.key === k)?.value;
  const type = parameterTypeOf(rawToJson(get('type') ?? { kind: 'literal', value: null, pos: keyPos }));
  if (type === undefined) return undefined;
  const constraints: ParameterConstraint[] = [];
  const cs = get('constraints');
  if (cs?.kind === 'list') {
    for (const c of cs.items) {
      if (c.kind !== 'map') continue;
      const description = c.entries.find((e) => e.key === 'description')?.value;
      for (const e of c.entries) {
        if (e.key === 'description') continue;
        constraints.push({
          kind: e.key as ParameterConstraint['kind'],
          spec: rawToJson(e.value),
          ...(description?.kind === 'literal' && typeof description.value === 'string' ? { description: description.value } : {}),
          pos: e.keyPos,
        });
      }
    }
  }
  const str = (k: string): string | undefined => {
    const v = get(k);
    return v?.kind === 'literal' && typeof v.value === 'string' ? v.value : undefined;
  };
  const def: ParameterDef = {
    name,
    type,
    hidden: truthy(rawToJson(get('hidden') ?? { kind: 'literal', value: false, pos: keyPos })),
    immutable: truthy(rawToJson(get('immutable') ?? { kind: 'literal', value: false, pos: keyPos })),
    tags: ((): string[] => {
      const t = get('tags');
      const j = t ? rawToJson(t) : [];
      return Array.isArray(j) ? j.map(String) : [];
    })(),
    constraints,
    pos: keyPos,
  };
  const label = str('label');
  const description = str('description');
  if (label !== undefined) def.label = label;
  if (description !== undefined) def.description = description;
  const dflt = get('default');
  if (dflt !== undefined) def.default = rawToJson(dflt);
  return def;
}

/** Position of a parameter's `default:` value (errors about a bad default point there). */
export function defaultPos(root: MapSnippet, name: string): Snippet['pos'] | undefined {
  const p = section(root, 'parameters').find((e) => e.key === name)?.value;
  return p?.kind === 'map' ? p.entries.find((e) => e.key === 'default')?.value.pos : undefined;
}

export function buildDefinition(b: BuildInput): StackDefinition {
  const { file, root, bundle, env, error } = b;
  const parseCtx: SnippetParseContext = {
    version: b.version,
    warn: b.warn,
    error,
    getFile(path, pos, nodePath) {
      const r = resolveRef(bundle, file, path);
      if (!r.ok) {
        error('FILE_OUTSIDE_TREE', pos, nodePath, `get_file: ${r.reason}`);
        return undefined;
      }
      const text = bundle.files[r.key];
      if (text === undefined) error('FILE_MISSING', pos, nodePath, `get_file: "${path}" (${r.key}) is not in the bundle`);
      return text;
    },
  };
  const parse = (s: Snippet, path: string[]): Snippet => parseSnippet(s, path, parseCtx);
  const descr = root.entries.find((e) => e.key === 'description')?.value;
  const groups = root.entries.find((e) => e.key === 'parameter_groups')?.value;
  const def: StackDefinition = {
    file,
    version: b.version,
    parameterGroups: groups ? ((rawToJson(groups) as Json[] | null) ?? []) : [],
    parameters: {},
    resources: {},
    outputs: {},
    conditions: {},
  };
  if (descr?.kind === 'literal' && typeof descr.value === 'string') def.description = descr.value;

  for (const e of section(root, 'parameters')) {
    const p = buildParameter(e.key, e.keyPos, e.value);
    if (p) def.parameters[e.key] = p;
  }
  for (const e of section(root, 'conditions')) def.conditions[e.key] = parse(e.value, ['conditions', e.key]);

  for (const e of section(root, 'resources')) {
    if (e.value.kind !== 'map') continue;
    const path = ['resources', e.key];
    const get = (k: string): { key: string; keyPos: Snippet['pos']; value: Snippet } | undefined => (e.value as MapSnippet).entries.find((x) => x.key === k);
    const typeNode = get('type')?.value;
    if (typeNode?.kind !== 'literal' || typeof typeNode.value !== 'string') continue;
    const type = typeNode.value;
    const r: ResourceDef = {
      name: e.key,
      type,
      resolvedType: type,
      properties: parse(get('properties')?.value ?? { kind: 'map', entries: [], pos: e.keyPos }, [...path, 'properties']),
      dependsOn: [],
      deletionPolicy: 'Delete',
      pos: e.keyPos,
    };
    if (r.properties.kind === 'literal' && r.properties.value === null) r.properties = { kind: 'map', entries: [], pos: r.properties.pos };
    if (isTemplatePath(type)) {
      const ref = resolveRef(bundle, file, type);
      if (!ref.ok) error('FILE_OUTSIDE_TREE', typeNode.pos, [...path, 'type'], ref.reason);
      else if (bundle.files[ref.key] === undefined) error('FILE_MISSING', typeNode.pos, [...path, 'type'], `the template "${type}" (${ref.key}) is not in the bundle`);
      else {
        r.resolvedType = ref.key;
        r.providerTemplate = ref.key;
      }
    } else {
      const t = resolveType(env, type, e.key);
      if (!t.ok) error(t.code, t.pos, [...path, 'type'], t.message);
      else {
        r.resolvedType = t.resolvedType;
        if (t.providerTemplate !== undefined) r.providerTemplate = t.providerTemplate;
        else if (b.isKnownType && !b.isKnownType(t.resolvedType)) {
          const via = t.resolvedType !== type ? ` (mapped to "${t.resolvedType}" by the resource_registry)` : '';
          error('UNKNOWN_RESOURCE_TYPE', typeNode.pos, [...path, 'type'], `unknown resource type "${type}"${via}`);
        }
      }
    }
    const md = get('metadata');
    if (md) r.metadata = parse(md.value, [...path, 'metadata']);
    const up = get('update_policy');
    if (up) r.updatePolicy = parse(up.value, [...path, 'update_policy']);
    const ext = get('external_id');
    if (ext) r.externalId = parse(ext.value, [...path, 'external_id']);
    const cond = get('condition');
    if (cond) r.condition = parse(cond.value, [...path, 'condition']);
    const dp = get('deletion_policy')?.value;
    if (dp?.kind === 'literal' && typeof dp.value === 'string') {
      r.deletionPolicy = (dp.value.charAt(0).toUpperCase() + dp.value.slice(1).toLowerCase()) as ResourceDef['deletionPolicy'];
    }
    const dep = get('depends_on')?.value;
    const deps = dep?.kind === 'list' ? dep.items : dep ? [dep] : [];
    for (const d of deps) {
      if (d.kind !== 'literal' || typeof d.value !== 'string') continue;
      r.dependsOn.push(d.value);
    }
    def.resources[e.key] = r;
  }
  // depends_on targets, checked once every resource is known.
  for (const e of section(root, 'resources')) {
    if (e.value.kind !== 'map') continue;
    const dep = e.value.entries.find((x) => x.key === 'depends_on')?.value;
    const deps = dep?.kind === 'list' ? dep.items : dep ? [dep] : [];
    for (const d of deps) {
      if (d.kind !== 'literal' || typeof d.value !== 'string') continue;
      if (d.value === e.key) error('UNKNOWN_RESOURCE', d.pos, ['resources', e.key, 'depends_on'], `the resource "${e.key}" depends on itself`);
      else if (!Object.hasOwn(def.resources, d.value)) error('UNKNOWN_RESOURCE', d.pos, ['resources', e.key, 'depends_on'], `depends_on: the resource "${d.value}" is not defined`);
    }
  }

  for (const e of section(root, 'outputs')) {
    if (e.value.kind !== 'map') continue;
    const get = (k: string): Snippet | undefined => (e.value as MapSnippet).entries.find((x) => x.key === k)?.value;
    const value = get('value');
    if (value === undefined) continue;
    const out: OutputDef = { name: e.key, value: parse(value, ['outputs', e.key, 'value']), pos: e.keyPos };
    const d = get('description');
    if (d?.kind === 'literal' && typeof d.value === 'string') out.description = d.value;
    const c = get('condition');
    if (c) out.condition = parse(c, ['outputs', e.key, 'condition']);
    def.outputs[e.key] = out;
  }
  return def;
}
