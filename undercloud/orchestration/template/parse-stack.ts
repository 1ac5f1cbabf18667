/**
 * parseStack: a bundle (root or one nested template) -> validated StackDefinition + parameter values.
 * Order: size and depth limits, YAML with positions, ajv structure, version, environments (in -e order,
 * with roles rendered first as the lowest layer), definition with functions recognised, semantic
 * validation, parameter values (coerced, constrained). Every error is collected and thrown at once.
 */
import { mergeEnvironments } from '../environment/merge-environments.js';
import { parseEnvironment } from '../environment/parse-environment.js';
import type { MergedEnvironment } from '../environment/types.js';
import { TemplateError, TemplateErrors } from '../errors.js';
import type { TemplateErrorCode, TemplateWarning } from '../errors.js';
import { renderRoles } from '../roles/render-roles.js';
import { parseNetworkData, type ParsedNetworkData } from '../roles/network-data.js';
import { buildDefinition, parameterTypeOf } from './build-definition.js';
import { computeParameterValues } from './parameter-values.js';
import { rawToJson } from './resolve.js';
import { checkStructure } from './schema.js';
import type { Json, MapSnippet, ParameterType, Snippet, SourcePos, StackDefinition, TemplateBundle } from './types.js';
import { validateDefinition, validateParameterGroups } from './validate.js';
import { parseVersion, versionNames } from './versions.js';
import { parseYaml } from './yaml-source.js';

export interface ParseStackOptions {
  /** A nested template of the bundle (provider template, ResourceGroup member); default the root. */
  templateFile?: string;
  /** Values from the caller: the parent resource's properties for a nested stack, -P values for the root. */
  parameters?: Record<string, Json>;
  /** Nesting depth of this template (root = 0). */
  depth?: number;
  /**
   * Names in `parameters` whose values are only known once other resources exist ('all': the caller's whole
   * property map): they count as given and are not checked (validating a template tree before creating it).
   */
  unknownParameters?: readonly string[] | 'all';
  /** Where errors about the caller's values point (the parent resource), for nested stacks. */
  parentPos?: SourcePos;
  /** The plugin registry's answer; unknown types are reported with their position when given. */
  isKnownType?: (type: string) => boolean;
  /** Attribute names of a resource type, when known (get_attr checks them). */
  attributeNames?: (type: string) => readonly string[] | undefined;
  /** Heat's max_nested_stack_depth (TripleO's ephemeral Heat uses 10). */
  maxDepth?: number;
  /** Heat's max_template_size in bytes. */
  maxTemplateSize?: number;
}

export interface ParsedStack {
  definition: StackDefinition;
  parameterValues: Record<string, Json>;
  warnings: TemplateWarning[];
  /** The merged environment (registry, hooks, encrypted parameter names) the definition was built with. */
  environment: MergedEnvironment;
}

const DEFAULT_MAX_DEPTH = 10;
const CONDITIONS_SINCE = '2016-10-14';
const DEFAULT_MAX_SIZE = 524288;

interface Collector {
  errors: TemplateError[];
  warnings: TemplateWarning[];
  error(code: TemplateErrorCode, pos: SourcePos, path: string[], detail: string): void;
}

function collector(): Collector {
  const c: Collector = {
    errors: [],
    warnings: [],
    error(code, pos, path, detail) {
      c.errors.push(new TemplateError(code, pos, path, detail));
    },
  };
  return c;
}

interface BundleCache {
  env?: { env: MergedEnvironment; errors: TemplateError[] };
  raw: Map<string, { root: Snippet | undefined; errors: TemplateError[] }>;
  structure: Map<string, TemplateError[]>;
  built: Map<string, { definition: StackDefinition; root: MapSnippet; errors: TemplateError[]; warnings: TemplateWarning[]; key: unknown[] }>;
}
const caches = new WeakMap<TemplateBundle, BundleCache>();
const bases = new WeakMap<TemplateBundle, { base: TemplateBundle; own: ReadonlySet<string> }>();

/**
 * The bundle plus `files` (a template the engine generated for a nested stack). It shares `base`'s caches for
 * every file it does not add, so a group's generated template does not make its member templates, or the
 * environment, parse again.
 */
export function extendBundle(base: TemplateBundle, files: Record<string, string>): TemplateBundle {
  const own = Object.keys(files);
  if (own.length === 0) return base;
  const b: TemplateBundle = { ...base, files: { ...base.files, ...files } };
  bases.set(b, { base, own: new Set(own) });
  return b;
}

/** The bundle whose caches hold `file`: the nearest base that has the same file. */
function ownerOf(bundle: TemplateBundle, file: string): TemplateBundle {
  let b = bundle;
  for (let d = bases.get(b); d && !d.own.has(file); d = bases.get(b)) b = d.base;
  return b;
}

/** The bundle whose caches hold the environment: the nearest base below any that replaced the root, roles or an environment file. */
function envOwnerOf(bundle: TemplateBundle): TemplateBundle {
  const inputs = [bundle.rootTemplate, ...(bundle.rolesData ? [bundle.rolesData] : []), ...(bundle.networksData ? [bundle.networksData] : []), ...bundle.environments];
  let b = bundle;
  for (let d = bases.get(b); d && !inputs.some((f) => d!.own.has(f)); d = bases.get(b)) b = d.base;
  return b;
}

function cacheOf(bundle: TemplateBundle): BundleCache {
  let c = caches.get(bundle);
  if (c === undefined) {
    c = { raw: new Map(), structure: new Map(), built: new Map() };
    caches.set(bundle, c);
  }
  return c;
}

function rawOf(bundle: TemplateBundle, file: string): { root: Snippet | undefined; errors: TemplateError[] } {
  const cache = cacheOf(ownerOf(bundle, file));
  let r = cache.raw.get(file);
  if (r === undefined) {
    r = parseYaml(file, bundle.files[file] ?? '');
    cache.raw.set(file, r);
  }
  return r;
}

function top(file: string): SourcePos {
  return { file, line: 1, col: 1 };
}

/** The root template with roles_data rendered into it (template-defined names win). */
function withRoles(root: MapSnippet, rendered: ReturnType<typeof renderRoles> | undefined): MapSnippet {
  if (rendered === undefined) return root;
  const merge = (key: string, add: MapSnippet['entries']): MapSnippet['entries'][number] => {
    const existing = root.entries.find((e) => e.key === key);
    const cur = existing?.value.kind === 'map' ? existing.value.entries : [];
    const names = new Set(cur.map((e) => e.key));
    const value: MapSnippet = { kind: 'map', entries: [...cur, ...add.filter((e) => !names.has(e.key))], pos: existing?.value.pos ?? root.pos };
    return { key, keyPos: existing?.keyPos ?? root.pos, value };
  };
  const others = root.entries.filter((e) => e.key !== 'parameters' && e.key !== 'resources');
  return { kind: 'map', entries: [...others, merge('parameters', rendered.parameters), merge('resources', rendered.resources)], pos: root.pos };
}

function environmentOf(
  bundle: TemplateBundle,
  inputs: () => { types: (n: string) => ParameterType | undefined; roles: ReturnType<typeof renderRoles> | undefined },
): { env: MergedEnvironment; errors: TemplateError[] } {
  const owner = envOwnerOf(bundle);
  if (owner !== bundle) return environmentOf(owner, inputs);
  const cache = cacheOf(bundle);
  if (cache.env) return cache.env;
  const { types: paramTypes, roles } = inputs();
  const c = collector();
  const files = [];
  if (roles && roles.registry.length > 0) {
    const file = bundle.rolesData ?? 'roles_data.yaml';
    files.push({
      file,
      parameters: new Map(),
      parameterDefaults: new Map(),
      registry: new Map(roles.registry.map((r) => [r.type, { kind: 'type' as const, target: r.target, pos: r.pos }])),
      resources: new Map(),
      hooks: [],
      strategies: new Map(),
      defaultStrategy: 'overwrite' as const,
      encryptedParamNames: [],
    });
  }
  for (const name of bundle.environments) {
    if (bundle.files[name] === undefined) {
      c.error('FILE_MISSING', top(name), [], `the environment file "${name}" is not in the bundle`);
      continue;
    }
    const raw = rawOf(bundle, name);
    c.errors.push(...raw.errors);
    if (raw.root) files.push(parseEnvironment(name, raw.root, bundle, c.error));
  }
  const env = mergeEnvironments(files, paramTypes, c.error);
  cache.env = { env, errors: c.errors };
  return cache.env;
}

export function parseStack(bundle: TemplateBundle, opts: ParseStackOptions = {}): ParsedStack {
  const file = opts.templateFile ?? bundle.rootTemplate;
  const depth = opts.depth ?? 0;
  const isRoot = depth === 0 && file === bundle.rootTemplate;
  const c = collector();
  const fail = (): never => {
    throw new TemplateErrors(c.errors);
  };
  const text = bundle.files[file];
  if (text === undefined) {
    c.error('FILE_MISSING', opts.parentPos ?? top(file), [], `the template "${file}" is not in the bundle`);
    fail();
  }
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (depth > maxDepth) c.error('NESTING_TOO_DEEP', opts.parentPos ?? top(file), [], `templates nested deeper than ${maxDepth} levels (max_nested_stack_depth)`);
  const maxSize = opts.maxTemplateSize ?? DEFAULT_MAX_SIZE;
  const size = Buffer.byteLength(text ?? '', 'utf8');
  if (size > maxSize) c.error('TEMPLATE_TOO_LARGE', top(file), [], `the template is ${size} bytes, more than max_template_size ${maxSize}`);
  if (c.errors.length > 0) fail();

  const raw = rawOf(bundle, file);
  c.errors.push(...raw.errors);
  if (raw.root === undefined) fail();
  let root = raw.root as Snippet;
  if (root.kind !== 'map') {
    c.error('TEMPLATE_STRUCTURE', root.pos, [], 'a template must be a map of sections');
    fail();
  }

  // Roles render into the root template only.
  let roles: ReturnType<typeof renderRoles> | undefined;
  if (isRoot && bundle.rolesData) {
    const rolesText = bundle.files[bundle.rolesData];
    if (rolesText === undefined) c.error('FILE_MISSING', top(bundle.rolesData), [], `the roles file "${bundle.rolesData}" is not in the bundle`);
    else {
      const networks = networksOf(bundle);
      c.errors.push(...(networks?.errors ?? []));
      roles = renderRoles(rolesText, bundle.rolesData, networks?.networks);
      c.errors.push(...roles.errors);
      root = withRoles(root as MapSnippet, roles);
    }
  }
  const mapRoot = root as MapSnippet;

  // Structure (ajv) on the plain-data view; once per file and bundle.
  const structKey = `${isRoot ? 'root' : 'nested'}:${file}`;
  const fileCache = cacheOf(ownerOf(bundle, file));
  let structErrors = fileCache.structure.get(structKey);
  if (structErrors === undefined) {
    const sc = collector();
    for (const e of checkStructure(rawToJson(mapRoot))) {
      const path = e.instancePath.split('/').filter(Boolean).map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
      const extra = e.keyword === 'additionalProperties' ? String((e.params as { additionalProperty?: string }).additionalProperty) : undefined;
      const node = locate(mapRoot, extra !== undefined ? [...path, extra] : path);
      const what =
        extra !== undefined
          ? `unknown key "${extra}"`
          : e.keyword === 'anyOf'
            ? 'has an invalid shape or type'
            : e.keyword === 'enum'
              ? `must be one of ${JSON.stringify((e.params as { allowedValues?: unknown[] }).allowedValues)}`
              : (e.message ?? 'is invalid');
      sc.error('TEMPLATE_STRUCTURE', node.pos, extra !== undefined ? [...path, extra] : path, `${path.length > 0 ? path[path.length - 1] + ': ' : ''}${what}`);
    }
    structErrors = sc.errors;
    fileCache.structure.set(structKey, structErrors);
  }
  c.errors.push(...structErrors);

  const versionNode = mapRoot.entries.find((e) => e.key === 'heat_template_version');
  const version = parseVersion(versionNode?.value.kind === 'literal' ? versionNode.value.value : undefined);
  if (versionNode !== undefined && version === undefined) {
    c.error('TEMPLATE_VERSION', versionNode.value.pos, ['heat_template_version'], `unknown heat_template_version ${JSON.stringify(rawToJson(versionNode.value))} (one of ${versionNames().join(', ')})`);
  }
  if (version === undefined) fail();
  if ((version as string) < CONDITIONS_SINCE) {
    // Conditions arrived with 2016-10-14; older templates cannot have them (Heat rejects the section).
    const cond = mapRoot.entries.find((e) => e.key === 'conditions');
    if (cond) c.error('TEMPLATE_STRUCTURE', cond.keyPos, ['conditions'], `the conditions section needs heat_template_version ${CONDITIONS_SINCE} or later`);
    for (const sec of ['resources', 'outputs']) {
      const m = mapRoot.entries.find((e) => e.key === sec)?.value;
      for (const e of m?.kind === 'map' ? m.entries : []) {
        const k = e.value.kind === 'map' ? e.value.entries.find((x) => x.key === 'condition') : undefined;
        if (k) c.error('TEMPLATE_STRUCTURE', k.keyPos, [sec, e.key, 'condition'], `"condition" needs heat_template_version ${CONDITIONS_SINCE} or later`);
      }
    }
  }

  // Built once per bundle (the first parseStack call); nested stacks reuse it.
  const envResult = environmentOf(bundle, () => {
    const r = isRoot ? roles : rootRoles(bundle);
    return { types: rootParamTypes(bundle, r), roles: r };
  });
  c.errors.push(...envResult.errors);
  const env = envResult.env;

  const key = [opts.isKnownType, opts.attributeNames, isRoot];
  let built = fileCache.built.get(structKey);
  if (built === undefined || built.key.some((k, i) => k !== key[i])) {
    const bc = collector();
    const definition = buildDefinition({ file, version: version as string, root: mapRoot, bundle, env, ...(opts.isKnownType ? { isKnownType: opts.isKnownType } : {}), warn: (w) => bc.warnings.push(w), error: bc.error });
    validateDefinition(
      definition,
      {
        version: version as string,
        attributeNames: (r) => {
          const res = definition.resources[r];
          if (res === undefined) return undefined;
          if (res.providerTemplate !== undefined) return providerAttributes(bundle, res.providerTemplate);
          return opts.attributeNames?.(res.resolvedType);
        },
      },
      bc.error,
    );
    validateParameterGroups(mapRoot.entries.find((e) => e.key === 'parameter_groups')?.value, definition, bc.error);
    built = { definition, root: mapRoot, errors: bc.errors, warnings: bc.warnings, key };
    fileCache.built.set(structKey, built);
  }
  c.errors.push(...built.errors);
  c.warnings.push(...built.warnings);

  const parameterValues = computeParameterValues({
    definition: built.definition,
    root: built.root,
    env,
    isRoot,
    supplied: opts.parameters ?? {},
    ...(opts.unknownParameters ? { unknown: opts.unknownParameters } : {}),
    ...(opts.parentPos ? { parentPos: opts.parentPos } : {}),
    error: c.error,
  });
  if (c.errors.length > 0) fail();
  return { definition: built.definition, parameterValues, warnings: c.warnings, environment: env };
}

/**
 * Attributes of a template resource: its template's outputs and OS::stack_id (Heat's TemplateResource).
 * `resource.<name>...` paths reach into the nested stack and are not checked here.
 */
function providerAttributes(bundle: TemplateBundle, file: string): readonly string[] | undefined {
  const root = rawOf(bundle, file).root;
  const outputs = root?.kind === 'map' ? root.entries.find((e) => e.key === 'outputs')?.value : undefined;
  if (root === undefined) return undefined;
  return [...(outputs?.kind === 'map' ? outputs.entries.map((e) => e.key) : []), 'OS::stack_id'];
}

function rootRoles(bundle: TemplateBundle): ReturnType<typeof renderRoles> | undefined {
  // An empty name (proto default) means no roles file.
  const text = bundle.rolesData ? bundle.files[bundle.rolesData] : undefined;
  return text !== undefined && bundle.rolesData ? renderRoles(text, bundle.rolesData, networksOf(bundle)?.networks) : undefined;
}

/** The bundle's network_data.yaml, parsed; undefined without one. A missing file is an error in the list. */
function networksOf(bundle: TemplateBundle): ParsedNetworkData | undefined {
  if (!bundle.networksData) return undefined;
  const text = bundle.files[bundle.networksData];
  if (text === undefined) return { networks: [], jinja: [], errors: [new TemplateError('FILE_MISSING', top(bundle.networksData), [], `the networks file "${bundle.networksData}" is not in the bundle`)] };
  return parseNetworkData(text, bundle.networksData);
}

/** Declared types of the root template's parameters (merge strategies need them), roles included. */
function rootParamTypes(bundle: TemplateBundle, roles: ReturnType<typeof renderRoles> | undefined): (n: string) => ParameterType | undefined {
  const raw = rawOf(bundle, bundle.rootTemplate).root;
  const types = new Map<string, ParameterType>();
  const params = raw?.kind === 'map' ? raw.entries.find((e) => e.key === 'parameters')?.value : undefined;
  const add = (entries: MapSnippet['entries']): void => {
    for (const e of entries) {
      const t = e.value.kind === 'map' ? e.value.entries.find((x) => x.key === 'type')?.value : undefined;
      const pt = parameterTypeOf(t ? rawToJson(t) : undefined);
      if (pt && !types.has(e.key)) types.set(e.key, pt);
    }
  };
  if (params?.kind === 'map') add(params.entries);
  if (roles) add(roles.parameters);
  return (n) => types.get(n);
}

/** The node at a structure error's path (the deepest that exists). */
function locate(root: Snippet, path: string[]): Snippet | { pos: SourcePos } {
  let cur: Snippet = root;
  for (const seg of path) {
    if (cur.kind === 'map') {
      const e = cur.entries.find((x) => x.key === seg);
      if (e === undefined) return cur;
      // An unknown key points at the key itself.
      if (seg === path[path.length - 1]) return e.value.kind === 'map' || e.value.kind === 'list' ? { pos: e.keyPos } : e.value;
      cur = e.value;
    } else if (cur.kind === 'list') {
      const item = cur.items[Number(seg)];
      if (item === undefined) return cur;
      cur = item;
    } else return cur;
  }
  return cur;
}
