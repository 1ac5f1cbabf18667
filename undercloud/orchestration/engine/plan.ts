/**
 * Preview: what a create or update would do, without doing it (Heat's preview_update_stack, and the plan
 * `overcloud deploy --dry-run` prints). Each resource is create, update, replace, unchanged or delete, with
 * its properties resolved where they are known before anything is created (per top-level property: a
 * property that needs an attribute of a resource not created yet is listed in `unknown`).
 */
import type { Json, Snippet } from '../template/types.js';
import { Graph } from '../graph/graph.js';
import { createUnfinished, nestedStale, pluginForDef, requirementsOf, type StackRuntime } from './runtime.js';
import type { StackRecord } from '../../store/stacks.js';
import { resolve, resolveCond } from './templates.js';
import { cloneJson, isUpdateAllowed, validatorFor } from '../resources/common.js';
import type { AnyPlugin } from '../resources/types.js';
import { sameJson } from './walker.js';
import { reapplication } from './reapply.js';
import type { RemovedServerPreview } from './plan-removals.js';

export type PlanAction = 'create' | 'update' | 'replace' | 'unchanged' | 'delete';

export interface PlanResource {
  name: string;
  type: string;
  action: PlanAction;
  properties: Record<string, Json>;
  /** Properties whose value is only known once other resources exist. */
  unknown: string[];
  requires: string[];
}

export interface Plan {
  stackName: string;
  resources: PlanResource[];
  outputs: Record<string, Json>;
  unknownOutputs: string[];
  parameters: Record<string, Json>;
  /** The servers the update would delete (plan-removals.ts); empty for a create. */
  removedServers: RemovedServerPreview[];
  /** What the node pool cannot serve of the servers the action would allocate (preflight.ts); empty when it can. */
  shortfalls: string[];
}

function resolveByKey(s: Snippet, rt: StackRuntime): { value: Record<string, Json>; unknown: string[] } {
  const value: Record<string, Json> = {};
  const unknown: string[] = [];
  const tryResolve = (x: Snippet): Json | undefined => {
    try {
      return resolve(x, rt.ctx);
    } catch {
      return undefined;
    }
  };
  if (s.kind === 'map') {
    for (const e of s.entries) {
      const v = tryResolve(e.value);
      if (v === undefined) unknown.push(e.key);
      else value[e.key] = v;
    }
    return { value, unknown };
  }
  const v = tryResolve(s);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return { value: v, unknown };
  return { value, unknown: v === undefined ? ['*'] : [] };
}

/**
 * `value` with the type's property defaults filled in, as the walk stores properties (its validator fills
 * them): compared without them, every resource with a defaulted property looked changed (a no-op update
 * planned as "replace" throughout). Properties not known yet get no default.
 */
function withDefaults(plugin: AnyPlugin, value: Record<string, Json>, unknown: string[]): Record<string, Json> {
  const filled = cloneJson(value) as Record<string, Json>;
  validatorFor(plugin.properties)(filled);
  for (const k of unknown) delete filled[k];
  return filled;
}

/** `child` reads a stored nested stack: a nested resource whose templates changed below it is an update. */
export function planStack(rt: StackRuntime, child: (id: string) => StackRecord | undefined = () => undefined): Plan {
  const graph = Graph.fromRequirements(rt.active.map((n) => [n, requirementsOf(rt, n)]));
  const order = graph.topologicalSort();
  const resources: PlanResource[] = [];
  for (const name of order) {
    const def = rt.def.resources[name]!;
    const plugin = pluginForDef(def);
    const type = def.providerTemplate ? def.type : def.resolvedType;
    const { value, unknown } = resolveByKey(def.properties, rt);
    const stored = rt.records.get(name);
    // A row left at a pre-create breakpoint was never created.
    const existing = stored?.action === 'INIT' ? undefined : stored;
    let action: PlanAction = 'create';
    if (existing && existing.type === type && existing.action !== 'DELETE') {
      const before = existing.properties ?? {};
      const after = withDefaults(plugin, value, unknown);
      const keys = new Set([...Object.keys(before), ...Object.keys(after), ...unknown]);
      const changed = [...keys].filter((k) => unknown.includes(k) || !sameJson(before[k], after[k]));
      const reapplied = reapplication(rt.reapplied, rt.record.id, name) !== undefined;
      if (changed.length === 0 && existing.status === 'COMPLETE') action = reapplied || nestedStale(rt, existing, child) ? 'update' : 'unchanged';
      else if (createUnfinished(plugin, existing)) action = 'replace';
      else action = changed.every((k) => isUpdateAllowed(plugin.properties, k)) ? 'update' : 'replace';
    } else if (existing) {
      action = 'replace';
    }
    resources.push({ name, type, action, properties: value, unknown, requires: [...graph.requires(name)] });
  }
  for (const r of rt.records.values()) {
    if (!rt.activeSet.has(r.name)) resources.push({ name: r.name, type: r.type, action: 'delete', properties: r.properties ?? {}, unknown: [], requires: r.requires });
  }
  const outputs: Record<string, Json> = {};
  const unknownOutputs: string[] = [];
  for (const o of Object.values(rt.def.outputs)) {
    if (o.condition !== undefined && resolveCond(o.condition, rt.ctx) !== true) continue;
    let v: Json | undefined;
    try {
      v = resolve(o.value, rt.ctx);
    } catch {
      v = undefined;
    }
    if (v === undefined) unknownOutputs.push(o.name);
    else outputs[o.name] = v;
  }
  const parameters: Record<string, Json> = {};
  for (const [k, v] of Object.entries(rt.params)) parameters[k] = rt.def.parameters[k]?.hidden ? '******' : v;
  return { stackName: rt.record.name, resources, outputs, unknownOutputs, parameters, removedServers: [], shortfalls: [] };
}
