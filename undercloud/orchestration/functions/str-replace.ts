/**
 * str_replace: {template, params}. Heat replaces the longest keys first and never rescans replaced text;
 * numbers/booleans become Python str() ('True'), maps/lists json.dumps(sort_keys), null ''.
 * The strict variants share this core (str-replace-strict.ts, str-replace-vstrict.ts).
 */
import type { FunctionCall, Json, Snippet } from '../template/types.js';
import { argsMap, fail, isLiteral, isMap, mapArgs } from './args.js';
import { pyJsonDumps, pyStr } from './python-text.js';
import type { EvalContext, IntrinsicFunction, ValidateContext } from './types.js';

export type Strictness = 'none' | 'strict' | 'vstrict';

export function replacementText(v: Json): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return pyStr(v);
  return pyJsonDumps(v);
}

/** The strictness violations of a template/params pair, as messages (empty = fine). */
export function strictViolations(template: string, params: { [k: string]: Json }, strictness: Strictness): string[] {
  const out: string[] = [];
  if (strictness === 'none') return out;
  const missing = Object.keys(params).filter((k) => !template.includes(k));
  if (missing.length > 0) out.push(`the following params were not found in the template: ${missing.map((m) => `'${m}'`).join(', ')}`);
  if (strictness === 'vstrict') {
    const empty = Object.keys(params).filter((k) => {
      const v = params[k];
      return v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isMap(v ?? null) && Object.keys(v as object).length === 0);
    });
    if (empty.length > 0) out.push(`the following params have empty values: ${empty.map((m) => `'${m}'`).join(', ')}`);
  }
  return out;
}

export function substitute(template: string, params: { [k: string]: Json }): string {
  const keys = Object.keys(params).sort().sort((a, b) => b.length - a.length);
  const rec = (s: string, ks: string[]): string => {
    if (ks.length === 0) return s;
    const [k, ...rest] = ks as [string, ...string[]];
    if (k === '') return rec(s, rest);
    return s
      .split(k)
      .map((part) => rec(part, rest))
      .join(replacementText(params[k] as Json));
  };
  return rec(template, keys);
}

export function validateReplace(call: FunctionCall, v: ValidateContext, strictness: Strictness): void {
  const args = mapArgs(call, v, ['template', 'params'], ['template', 'params']);
  if (args === undefined) {
    if (call.args.kind !== 'literal') v.validate(call.args);
    return;
  }
  const template = args.get('template');
  const params = args.get('params');
  if (template) v.validate(template);
  if (params) v.validate(params);
  if ((template?.kind === 'literal' && typeof template.value !== 'string') || template?.kind === 'list' || template?.kind === 'map') {
    v.error('FUNCTION_ARGS', template.pos, call.path, `${call.fn}: "template" must be a string`);
  }
  if (params && params.kind !== 'map' && params.kind !== 'call') {
    v.error('FUNCTION_ARGS', params.pos, call.path, `${call.fn}: "params" must be a map`);
    return;
  }
  // Known before creation: a strictness violation is a validation error, not a run-time failure.
  if (strictness !== 'none' && template && params && template.kind === 'literal' && typeof template.value === 'string' && isLiteral(params)) {
    const p = Object.fromEntries((params.kind === 'map' ? params.entries : []).map((e) => [e.key, literalJson(e.value)]));
    for (const m of strictViolations(template.value, p, strictness)) v.error('FUNCTION_ARGS', call.pos, call.path, `${call.fn}: ${m}`);
  }
}

function literalJson(s: Snippet): Json {
  if (s.kind === 'literal') return s.value;
  if (s.kind === 'list') return s.items.map(literalJson);
  if (s.kind === 'map') return Object.fromEntries(s.entries.map((e) => [e.key, literalJson(e.value)]));
  return null;
}

export function resolveReplace(call: FunctionCall, e: EvalContext, strictness: Strictness): Json | undefined {
  const m = argsMap(call);
  let template: Json | undefined;
  let params: Json | undefined;
  if (call.args.kind === 'call') {
    const all = e.evaluate(call.args);
    if (all === undefined) return undefined;
    if (!isMap(all)) fail(call, 'arguments must be a map with keys template, params');
    template = all['template'];
    params = all['params'];
  } else {
    const t = m.get('template');
    const p = m.get('params');
    template = t ? e.evaluate(t) : undefined;
    params = p ? e.evaluate(p) : undefined;
  }
  if (template === undefined || params === undefined) return undefined;
  if (typeof template !== 'string') fail(call, '"template" must be a string');
  if (!isMap(params)) fail(call, '"params" must be a map');
  const violations = strictViolations(template, params, strictness);
  if (violations.length > 0) fail(call, violations.join('; '));
  return substitute(template, params);
}

export const strReplace: IntrinsicFunction = {
  name: 'str_replace',
  since: '2013-05-23',
  validate: (call, v) => validateReplace(call, v, 'none'),
  resolve: (call, e) => resolveReplace(call, e, 'none'),
};
