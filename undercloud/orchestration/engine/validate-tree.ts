/**
 * Validates a whole template tree before anything is written (Heat's stack validate, which descends into
 * template resources, OS::Heat::Stack and one member of each ResourceGroup): the root template, then every
 * nested template reached through the resource_registry, a `type: file.yaml`, a group's or chain's members
 * and a literal OS::Heat::Stack template, recursively. Property values are resolved where they are known
 * before creation (parameters, literals, functions of those); a value that needs a resource created first is
 * `UNKNOWN` and is not checked, so a nested template's parameter fed by a get_attr counts as given. Every
 * error keeps its own file:line:col; errors about a generated template (a group's members) point at the
 * resource that generated it. All errors of the tree are thrown together as one TemplateErrors.
 *
 * The same walk counts the servers the tree holds (OS::TripleO::Server; a group's member times its count)
 * by what they ask for, for the pre-flight node count (engine.ts): servers whose profile, capabilities,
 * condition or group count is only known later are not counted.
 */
import type { Json, ResolveContext, Snippet, SourcePos, StackDefinition, TemplateBundle } from '../template/types.js';
import { TemplateError, TemplateErrors, type TemplateErrorCode } from '../errors.js';
import type { AnyPlugin, NestedValidation } from '../resources/types.js';
import { containsUnknown, dig, UNKNOWN, validatorFor } from '../resources/common.js';
import { Graph } from '../graph/graph.js';
import { CircularDependencyError } from '../graph/errors.js';
import { conditionsOf, dependenciesOf, loadTemplate, resolve, resolveCond, withFiles } from './templates.js';
import { PROJECT_ID, pluginForDef } from './runtime.js';
import { isGeneratedJson } from '../template/paths.js';
import { askKey, SERVER_TYPE, serverAsk } from '../resources/server.js';

export interface TreeRoot {
  bundle: TemplateBundle;
  templateFile: string;
  parameters: Record<string, Json>;
  stackName: string;
  stackId: string;
  maxDepth: number;
}

/** A stack id for nested stacks, which have none before they are created (OS::stack_id must still resolve). */
const PLACEHOLDER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Resolves what is known of a snippet: a map or list whose value is not known as a whole is resolved entry
 * by entry, and what stays unknown is `UNKNOWN`. A function that fails on known values is reported.
 */
export function resolvePartial(s: Snippet, ctx: ResolveContext, report: (e: TemplateError) => void): Json {
  let v: Json | undefined;
  try {
    v = resolve(s, ctx);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    report(err);
    return UNKNOWN;
  }
  if (v !== undefined) return v;
  if (s.kind === 'map') return Object.fromEntries(s.entries.map((e) => [e.key, resolvePartial(e.value, ctx, report)]));
  if (s.kind === 'list') return s.items.map((i) => resolvePartial(i, ctx, report));
  return UNKNOWN;
}

/** Servers of the tree that ask for the same profile and capabilities. */
export interface ServerDemand {
  profile: string | undefined;
  capabilities: Record<string, string>;
  count: number;
  /** Where they are, from the root stack: `Compute/*` + `/Server` (a group's members as one `*`). */
  paths: string[];
}

/** The servers of one copy of a template, by path relative to it. */
interface Counted { path: string[]; profile: string | undefined; capabilities: Record<string, string>; count: number }

/** Throws TemplateErrors with every error of the tree; returns the tree's servers when it validates. */
export function validateTree(root: TreeRoot): ServerDemand[] {
  const errors: TemplateError[] = [];
  // A template met again with the same parameters is validated once; its servers count every time.
  const seen = new Map<string, Counted[]>();

  const visit = (bundle: TemplateBundle, t: NestedValidation, depth: number, anchor: SourcePos | undefined, stackName: string, stackId: string): Counted[] => {
    const key = JSON.stringify([depth, t.templateFile, t.parameters, t.allParametersUnknown ?? false, t.files]);
    const known = seen.get(key);
    if (known) return known;
    const servers: Counted[] = [];
    seen.set(key, servers);
    const b = withFiles(bundle, t.files);
    // Errors in a template the engine rendered (a group's members) point at the resource that generated it.
    const located = (e: TemplateError): TemplateError => (anchor && isGeneratedJson(e.pos.file) ? new TemplateError(e.code as TemplateErrorCode, anchor, e.path, e.detail) : e);
    const given: Record<string, Json> = {};
    const unknown: string[] = [];
    for (const [k, v] of Object.entries(t.parameters)) {
      if (containsUnknown(v)) unknown.push(k);
      else given[k] = v;
    }
    let loaded: ReturnType<typeof loadTemplate>;
    try {
      loaded = loadTemplate(b, {
        templateFile: t.templateFile, parameters: given, unknownParameters: t.allParametersUnknown ? 'all' : unknown, depth, maxDepth: root.maxDepth,
        ...(anchor ? { parentPos: anchor } : {}),
      });
    } catch (err) {
      if (!(err instanceof TemplateErrors)) throw err;
      errors.push(...err.errors.map(located));
      return servers;
    }
    const def = loaded.definition;
    const params = loaded.parameterValues;
    let conditions: Record<string, boolean> = {};
    let conditionsKnown = true;
    try {
      conditions = conditionsOf(def, params, { stackName, stackId, projectId: PROJECT_ID });
    } catch {
      // A condition on a value only known later: resources under it are validated anyway (not counted).
      conditionsKnown = false;
    }
    const ctx: ResolveContext = {
      getParam: (n) => params[n],
      getResourceRef: () => undefined,
      getAttr: () => undefined,
      condition: (n) => conditions[n] ?? false,
      resourceFacade: () => undefined,
      stackName, stackId, projectId: PROJECT_ID,
    };
    const report = (e: TemplateError) => errors.push(located(e));
    const active = Object.values(def.resources).filter((r) => r.condition === undefined || resolveCond(r.condition, ctx) !== false);
    checkCycles(def, active.map((r) => r.name), report);
    for (const r of active) {
      let plugin: AnyPlugin;
      try {
        plugin = pluginForDef(r);
      } catch {
        continue; // An unknown type was reported by the parse, with its position.
      }
      const props = resolvePartial(r.properties, ctx, report);
      const at = anchor && isGeneratedJson(r.pos.file) ? anchor : r.pos;
      const childName = `${stackName}-${r.name}`;
      const counts = r.condition === undefined || conditionsKnown;
      if (plugin.nested?.validation) {
        const isMap = props !== null && typeof props === 'object' && !Array.isArray(props);
        let child = isMap ? plugin.nested.validation(props, { stackName, resourceName: r.name, resource: r }) : undefined;
        // A provider template whose whole property map is only known later: its parameters all count as given.
        if (!isMap && r.providerTemplate) child = { templateFile: r.providerTemplate, files: {}, parameters: {}, allParametersUnknown: true };
        if (child) {
          const below = visit(b, child, depth + 1, at, childName, PLACEHOLDER_ID);
          const copies = child.copies === undefined ? 1 : child.copies;
          // A group's member is named '0' in the template validated: it stands for every member.
          const name = child.copies === undefined ? r.name : `${r.name}/*`;
          if (counts && copies !== null) {
            for (const s of below) servers.push({ ...s, path: [name, ...s.path.slice(child.copies === undefined ? 0 : 1)], count: s.count * copies });
          }
        }
      } else if (!plugin.nested) {
        checkProperties(plugin, r.name, r.type, r.properties, props, at === r.pos ? undefined : at, report);
        if (counts && r.resolvedType === SERVER_TYPE && props !== null && typeof props === 'object' && !Array.isArray(props) && !containsUnknown([props.profile ?? null, props.capabilities ?? null])) {
          servers.push({ path: [r.name], ...serverAsk(props), count: 1 });
        }
      }
      if (plugin.updatePolicy && r.updatePolicy) {
        const policy = resolvePartial(r.updatePolicy, ctx, report);
        if (!containsUnknown(policy)) checkSchema(plugin.updatePolicy, policy, 'update_policy', r.name, r.type, r.updatePolicy, at === r.pos ? undefined : at, report);
      }
    }
    return servers;
  };

  const servers = visit(root.bundle, { templateFile: root.templateFile, parameters: root.parameters, files: {} }, 0, undefined, root.stackName, root.stackId);
  if (errors.length > 0) throw new TemplateErrors(errors);
  return demandOf(servers);
}

/** The tree's servers summed by what they ask for (`count` 0 left out), in the order first met. */
function demandOf(servers: Counted[]): ServerDemand[] {
  const byAsk = new Map<string, ServerDemand>();
  for (const s of servers) {
    if (s.count === 0) continue;
    const key = askKey(s.profile, s.capabilities);
    const d = byAsk.get(key);
    const path = s.path.join('/');
    if (!d) byAsk.set(key, { profile: s.profile, capabilities: s.capabilities, count: s.count, paths: [path] });
    else {
      d.count += s.count;
      if (!d.paths.includes(path)) d.paths.push(path);
    }
  }
  return [...byAsk.values()];
}

function checkCycles(def: StackDefinition, active: string[], report: (e: TemplateError) => void): void {
  const activeSet = new Set(active);
  const graph = Graph.fromRequirements(
    active.map((n) => {
      const r = def.resources[n]!;
      const deps = new Set([...dependenciesOf(r.properties), ...dependenciesOf(r.metadata), ...r.dependsOn]);
      return [n, [...deps].filter((d) => d !== n && activeSet.has(d))];
    }),
  );
  try {
    graph.assertAcyclic();
  } catch (err) {
    if (!(err instanceof CircularDependencyError)) throw err;
    const first = def.resources[err.cycle[0]!]!;
    report(new TemplateError('CIRCULAR_DEPENDENCY', first.pos, ['resources', first.name], `circular dependency: ${err.cycle.join(' -> ')}`));
  }
}

/** The type's property schema on what is known: a value only known at create time is not judged. */
function checkProperties(plugin: AnyPlugin, name: string, type: string, snippet: Snippet, props: Json, anchor: SourcePos | undefined, report: (e: TemplateError) => void): void {
  if (props === UNKNOWN || props === null || typeof props !== 'object' || Array.isArray(props)) return;
  checkSchema(plugin.properties, props, 'properties', name, type, snippet, anchor, report);
}

function checkSchema(schema: Record<string, unknown>, value: Json, section: string, name: string, type: string, snippet: Snippet, anchor: SourcePos | undefined, report: (e: TemplateError) => void): void {
  const v = validatorFor(schema);
  if (v(structuredClone(value))) return;
  for (const e of v.errors ?? []) {
    const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    if (containsUnknown(dig(value, extra === undefined ? path : [...path, extra]))) continue;
    const first = path[0] ?? extra;
    const entry = snippet.kind === 'map' && first !== undefined ? snippet.entries.find((x) => x.key === first) : undefined;
    const pos = anchor ?? entry?.keyPos ?? snippet.pos;
    const what = extra !== undefined ? `unknown property "${extra}"` : `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`;
    report(new TemplateError('PROPERTIES_INVALID', pos, ['resources', name, section, ...path], `${type} ${section}: ${what}`));
  }
}
