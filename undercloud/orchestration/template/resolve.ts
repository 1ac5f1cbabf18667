/**
 * Walking parsed snippets (Heat's function.resolve/dependencies): resolve to JSON with `undefined` for
 * "not known yet" (it propagates to the enclosing value), the resources a snippet needs, the conditions
 * it reads, and the evaluation of the conditions section.
 */
import { TemplateError, TemplateErrors } from '../errors.js';
import { FUNCTIONS, OMIT } from '../functions/index.js';
import type { EvalContext, Resolved } from '../functions/index.js';
import type { Json, ResolveContext, Snippet, StackDefinition } from './types.js';

function walk(s: Snippet, e: EvalContext): Resolved {
  switch (s.kind) {
    case 'literal':
      return s.value;
    case 'list': {
      const out: Json[] = [];
      let unknown = false;
      for (const item of s.items) {
        const r = walk(item, e);
        if (r === OMIT) continue;
        if (r === undefined) unknown = true;
        else out.push(r);
      }
      return unknown ? undefined : out;
    }
    case 'map': {
      const out: { [k: string]: Json } = {};
      let unknown = false;
      for (const entry of s.entries) {
        const r = walk(entry.value, e);
        if (r === OMIT) continue;
        if (r === undefined) unknown = true;
        else out[entry.key] = r;
      }
      return unknown ? undefined : out;
    }
    case 'call': {
      const fn = FUNCTIONS.get(s.fn);
      return fn === undefined ? undefined : fn.resolve(s, e);
    }
  }
}

function evalContext(ctx: ResolveContext): EvalContext {
  const e: EvalContext = {
    ctx,
    evaluate(s) {
      const r = walk(s, e);
      return r === OMIT ? null : r;
    },
    condition(s) {
      if (s.kind === 'literal') {
        if (typeof s.value === 'boolean') return s.value;
        if (typeof s.value === 'string') return ctx.condition(s.value);
        return undefined;
      }
      const r = e.evaluate(s);
      if (r === undefined) return undefined;
      return typeof r === 'boolean' ? r : Boolean(r);
    },
  };
  return e;
}

/**
 * Resolves a snippet. `undefined` means not known yet (a get_attr of a resource not created). A 2-argument
 * `if` whose condition is false drops its map entry or list item; at the top level it yields null.
 * Throws FunctionError (with the call's position) when a function fails on known values.
 */
export function resolveSnippet(snippet: Snippet, ctx: ResolveContext): Json | undefined {
  return evalContext(ctx).evaluate(snippet);
}

/** Evaluates a condition snippet (a resource's or output's `condition:`): name, boolean or condition function. */
export function resolveCondition(snippet: Snippet, ctx: ResolveContext): boolean | undefined {
  return evalContext(ctx).condition(snippet);
}

function visitCalls(s: Snippet, fn: (c: Extract<Snippet, { kind: 'call' }>) => void): void {
  switch (s.kind) {
    case 'list':
      s.items.forEach((i) => visitCalls(i, fn));
      return;
    case 'map':
      s.entries.forEach((e) => visitCalls(e.value, fn));
      return;
    case 'call':
      fn(s);
      visitCalls(s.args, fn);
      return;
    default:
      return;
  }
}

/** Resource names the snippet needs (get_resource, get_attr), both branches of every `if` included. */
export function snippetDependencies(snippet: Snippet): Set<string> {
  const out = new Set<string>();
  visitCalls(snippet, (c) => {
    for (const d of FUNCTIONS.get(c.fn)?.dependencies?.(c) ?? []) out.add(d);
  });
  return out;
}

const CONDITION_ARG_FNS = new Set(['not', 'and', 'or']);

/** Names of conditions the snippet reads (if's first argument; not/and/or name arguments; a bare name). */
export function conditionDependencies(snippet: Snippet): Set<string> {
  const out = new Set<string>();
  const nameOf = (s: Snippet | undefined): void => {
    if (s?.kind === 'literal' && typeof s.value === 'string') out.add(s.value);
  };
  nameOf(snippet);
  visitCalls(snippet, (c) => {
    if (c.fn === 'if' && c.args.kind === 'list') nameOf(c.args.items[0]);
    if (CONDITION_ARG_FNS.has(c.fn)) {
      if (c.args.kind === 'list') c.args.items.forEach(nameOf);
      else nameOf(c.args);
    }
  });
  return out;
}

export interface ConditionEnv {
  stackName?: string;
  stackId?: string;
  projectId?: string;
}

/**
 * Evaluates every condition of the template with the given parameter values (conditions read only
 * parameters and other conditions). A condition that refers to itself through others is CONDITION_CYCLE.
 */
export function evaluateConditions(def: StackDefinition, params: Record<string, Json>, env: ConditionEnv = {}): Record<string, boolean> {
  const done = new Map<string, boolean>();
  const active: string[] = [];
  const ctx: ResolveContext = {
    getParam: (n) => params[n],
    getResourceRef: () => undefined,
    getAttr: () => undefined,
    condition(name) {
      const known = done.get(name);
      if (known !== undefined) return known;
      const s = def.conditions[name];
      if (s === undefined) return false;
      if (active.includes(name)) {
        const cycle = [...active.slice(active.indexOf(name)), name].join(' -> ');
        throw new TemplateErrors([new TemplateError('CONDITION_CYCLE', s.pos, ['conditions', name], `conditions refer to each other in a cycle: ${cycle}`)]);
      }
      active.push(name);
      const v = resolveCondition(s, ctx) ?? false;
      active.pop();
      done.set(name, v);
      return v;
    },
    resourceFacade: () => undefined,
    stackName: env.stackName ?? '',
    stackId: env.stackId ?? '',
    projectId: env.projectId ?? '',
  };
  for (const name of Object.keys(def.conditions)) ctx.condition(name);
  return Object.fromEntries(done);
}

/** The value of a snippet without calls (plain data), or undefined if it contains any call. */
export function snippetToJson(s: Snippet): Json | undefined {
  switch (s.kind) {
    case 'literal':
      return s.value;
    case 'list': {
      const items = s.items.map(snippetToJson);
      return items.some((i) => i === undefined) ? undefined : (items as Json[]);
    }
    case 'map': {
      const out: { [k: string]: Json } = {};
      for (const e of s.entries) {
        const v = snippetToJson(e.value);
        if (v === undefined) return undefined;
        out[e.key] = v;
      }
      return out;
    }
    case 'call':
      return undefined;
  }
}

/** The plain-data view of a raw (unparsed) tree: every map is data. Used for ajv structure checks. */
export function rawToJson(s: Snippet): Json {
  switch (s.kind) {
    case 'literal':
      return s.value;
    case 'list':
      return s.items.map(rawToJson);
    case 'map':
      return Object.fromEntries(s.entries.map((e) => [e.key, rawToJson(e.value)]));
    case 'call':
      return { [s.fn]: rawToJson(s.args) };
  }
}
