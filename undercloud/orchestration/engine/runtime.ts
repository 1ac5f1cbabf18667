/**
 * A stack in memory while the engine works on it: its parsed definition, parameter values, conditions, the
 * stored resource records, and the ResolveContext the template side resolves snippets against. Built from
 * a stored stack row; dropped when the traversal ends (nested stacks are loaded one at a time, so a tree of
 * thousands of resources never sits in memory at once).
 */
import type { Json, ResolveContext, ResourceDef, StackDefinition, TemplateBundle } from '../template/types.js';
import type { ResourceRecord, StackRecord } from '../../store/stacks.js';
import type { AnyPlugin, ResourceSnapshot } from '../resources/types.js';
import type { HookRule } from '../environment/types.js';
import { resourcePlugins, templateResourcePlugin } from '../resources/index.js';
import { dig } from '../resources/common.js';
import { conditionsOf, dependenciesOf, loadTemplate, resolveCond, withFiles } from './templates.js';
import { InvalidError } from '../../errors.js';
import { createHash } from 'node:crypto';
import { isRetired } from './retire.js';
import { NOTHING_REAPPLIED, type Reapplied } from './reapply.js';

export const PROJECT_ID = 'undercloud';

export interface Facade {
  metadata?: Json;
  deletion_policy?: Json;
  update_policy?: Json;
}

export interface StackRuntime {
  record: StackRecord;
  bundle: TemplateBundle;
  def: StackDefinition;
  params: Record<string, Json>;
  conditions: Record<string, boolean>;
  records: Map<string, ResourceRecord>;
  depth: number;
  facade: Facade;
  ctx: ResolveContext;
  /** Resources whose condition holds, in template order. */
  active: string[];
  activeSet: Set<string>;
  /** Template order of each resource, and memoised requirements (both asked once per resource per walk). */
  positions: Map<string, number>;
  requirements: Map<string, string[]>;
  /** The uploaded bundle of the root stack (nested stacks add their generated files to it). */
  rootBundle: TemplateBundle;
  /** Resource names from the root stack down to this stack (hooks match resource paths). */
  path: string[];
  /** The environment's breakpoints (the same for every stack of a tree). */
  hooks: readonly HookRule[];
  /** Whether replaced resources wait for their clean-up in this stack (a rollback can put them back). */
  hasRetired: boolean;
  /** Deployments of the tree to apply again because their server was imaged since (the same for every stack of a tree). */
  reapplied: Reapplied;
}

export interface RuntimeOptions {
  depth: number;
  facade?: Facade;
  maxDepth?: number;
  path?: string[];
  reapplied?: Reapplied;
}

const providerPlugins = new Map<string, AnyPlugin>();

/** The plugin for a resource definition: a provider template, or a registered type. */
export function pluginForDef(def: Pick<ResourceDef, 'type' | 'resolvedType' | 'providerTemplate'>): AnyPlugin {
  if (def.providerTemplate) {
    let p = providerPlugins.get(def.type);
    if (!p) providerPlugins.set(def.type, (p = templateResourcePlugin(def.type)));
    return p;
  }
  const p = resourcePlugins.get(def.resolvedType);
  if (!p) throw new InvalidError('RESOURCE_TYPE_UNKNOWN', `unknown resource type ${def.resolvedType}`);
  return p;
}

/** The plugin of a stored record (for delete, where the template may be gone). Nested records are handled by the engine. */
export function pluginForRecord(r: ResourceRecord): AnyPlugin | undefined {
  return resourcePlugins.get(r.type);
}

const digests = new WeakMap<TemplateBundle, string>();

/** The digest of everything a deploy sent: root template, files, environments, roles data (cached per bundle object). */
export function bundleDigest(bundle: TemplateBundle): string {
  let d = digests.get(bundle);
  if (d === undefined) {
    const h = createHash('sha256');
    h.update(JSON.stringify([bundle.rootTemplate, bundle.environments, bundle.rolesData ?? null, ...(bundle.networksData ? [bundle.networksData] : [])]));
    for (const name of Object.keys(bundle.files).sort()) h.update(`\0${name}\0${bundle.files[name]}`);
    d = h.digest('hex');
    digests.set(bundle, d);
  }
  return d;
}

/**
 * True when `existing` is a nested resource whose child stack was converged with another bundle than this
 * walk's (its own properties may be equal while a template or script below it changed), or holds a
 * deployment to apply again (reapply.ts).
 */
export function nestedStale(rt: StackRuntime, existing: ResourceRecord, child: (id: string) => StackRecord | undefined): boolean {
  if (!existing.nestedStackId) return false;
  if (rt.reapplied.stacks.has(existing.nestedStackId)) return true; // a deployment below it is applied again
  const c = child(existing.nestedStackId);
  return c !== undefined && c.template.bundleDigest !== bundleDigest(rt.rootBundle);
}

export function snapshotOf(r: ResourceRecord): ResourceSnapshot {
  return { name: r.name, type: r.type, refId: r.refId, handle: r.handle, attributes: r.attributes, properties: r.properties };
}

/** Attribute names that are bookkeeping, not attributes (member attributes of groups). */
const HIDDEN_ATTRIBUTES = new Set(['members', 'member_order']);

/**
 * A create that did not complete is replaced, except a nested stack's that failed: its child is updated in
 * place, as Heat's StackResource does (needs_replace_failed), so what it created is kept and only what failed
 * inside is replaced. Replacing it would release every healthy server of a role group because one failed.
 */
export function createUnfinished(plugin: AnyPlugin, existing: ResourceRecord): boolean {
  if (existing.action !== 'CREATE' || existing.status === 'COMPLETE') return false;
  return !(plugin.nested !== undefined && existing.nestedStackId !== undefined && existing.status === 'FAILED');
}

/** True for a resource that exists (created, and not being deleted): its reference and attributes can be read. */
export function isLive(r: ResourceRecord): boolean {
  return r.status === 'COMPLETE' && r.action !== 'DELETE' && r.action !== 'INIT';
}

export function buildRuntime(record: StackRecord, rootBundle: TemplateBundle, records: ResourceRecord[], o: RuntimeOptions): StackRuntime {
  const { depth, facade = {}, maxDepth } = o;
  // The template side caches parsed files and the merged environment per bundle object: nested stacks share
  // the root's bundle object, so a group of a thousand members parses its member template once.
  const bundle = withFiles(rootBundle, record.template.files);
  const loaded = loadTemplate(bundle, { templateFile: record.template.templateFile, parameters: record.template.parameters, depth, maxDepth });
  const def = loaded.definition;
  const params = loaded.parameterValues;
  const env = { stackName: record.name, stackId: record.id, projectId: PROJECT_ID };
  const conditions = conditionsOf(def, params, env);
  const byName = new Map(records.map((r) => [r.name, r]));
  const rt = {
    record, bundle, rootBundle, def, params, conditions, records: byName, depth, facade, path: o.path ?? [], hooks: loaded.hooks, hasRetired: records.some((r) => isRetired(r.name)),
    reapplied: o.reapplied ?? NOTHING_REAPPLIED,
  } as StackRuntime;
  rt.ctx = resolveContextFor(rt);
  rt.active = Object.values(def.resources)
    .filter((r) => r.condition === undefined || resolveCond(r.condition, rt.ctx) === true)
    .map((r) => r.name);
  rt.activeSet = new Set(rt.active);
  rt.positions = new Map(Object.keys(def.resources).map((n, i) => [n, i]));
  rt.requirements = new Map();
  return rt;
}

function resolveContextFor(rt: StackRuntime): ResolveContext {
  return {
    getParam: (name) => {
      if (name === 'OS::stack_name') return rt.record.name;
      if (name === 'OS::stack_id') return rt.record.id;
      if (name === 'OS::project_id') return PROJECT_ID;
      return rt.params[name];
    },
    getResourceRef: (name) => {
      const r = rt.records.get(name);
      return r && isLive(r) ? (r.refId ?? `${rt.record.name}-${name}`) : undefined;
    },
    getAttr: (name, attr, path) => attributeOf(rt, name, attr, path),
    condition: (name) => rt.conditions[name] ?? false,
    resourceFacade: (section) => rt.facade[section],
    stackName: rt.record.name,
    stackId: rt.record.id,
    projectId: PROJECT_ID,
  };
}

function attributeOf(rt: StackRuntime, name: string, attr: string | undefined, path: Json[]): Json | undefined {
  const r = rt.records.get(name);
  if (!r || !isLive(r)) return undefined;
  const def = rt.def.resources[name];
  const plugin = def ? pluginForDef(def) : pluginForRecord(r);
  const snap = snapshotOf(r);
  if (attr === undefined) {
    const all: Record<string, Json> = {};
    for (const k of new Set([...Object.keys(plugin?.attributes ?? {}), ...Object.keys(r.attributes)])) {
      if (HIDDEN_ATTRIBUTES.has(k) || k.includes('.')) continue;
      const v = plugin?.getAttribute ? plugin.getAttribute(snap, k, []) : r.attributes[k];
      all[k] = v ?? null;
    }
    return dig(all, path);
  }
  if (plugin?.getAttribute) return plugin.getAttribute(snap, attr, path);
  return dig(r.attributes[attr], path);
}

/** What a resource requires: get_resource/get_attr in its properties and metadata, and depends_on; active resources only. */
export function requirementsOf(rt: StackRuntime, name: string): string[] {
  const known = rt.requirements.get(name);
  if (known) return known;
  const def = rt.def.resources[name]!;
  const deps = new Set<string>([...dependenciesOf(def.properties), ...dependenciesOf(def.metadata), ...def.dependsOn]);
  deps.delete(name);
  const out = [...deps].filter((d) => rt.activeSet.has(d));
  rt.requirements.set(name, out);
  return out;
}
