/** Argument-shape helpers shared by the intrinsics: report a FUNCTION_ARGS error at the call's position. */
import { FunctionError } from '../errors.js';
import type { FunctionCall, Json, ListSnippet, MapSnippet, Snippet } from '../template/types.js';
import type { ValidateContext } from './types.js';

export function argError(call: FunctionCall, v: ValidateContext, detail: string, at: Snippet = call): void {
  v.error('FUNCTION_ARGS', at.pos, call.path, `${call.fn}: ${detail}`);
}

/** The args as a list of min..max items, or undefined (error reported). A call as args is checked at run time. */
export function listArgs(call: FunctionCall, v: ValidateContext, min: number, max: number, what: string): Snippet[] | undefined {
  const a = call.args;
  if (a.kind === 'call') return undefined;
  if (a.kind !== 'list' || a.items.length < min || a.items.length > max) {
    argError(call, v, `arguments must be ${what}`, a);
    return undefined;
  }
  return (a as ListSnippet).items;
}

/** The args as a map with the given keys (required ones must be present), or undefined (error reported). */
export function mapArgs(
  call: FunctionCall,
  v: ValidateContext,
  allowed: readonly string[],
  required: readonly string[],
): Map<string, Snippet> | undefined {
  const a = call.args;
  if (a.kind === 'call') return undefined;
  if (a.kind !== 'map') {
    argError(call, v, `arguments must be a map with keys ${allowed.join(', ')}`, a);
    return undefined;
  }
  const out = new Map<string, Snippet>();
  let ok = true;
  for (const e of (a as MapSnippet).entries) {
    if (!allowed.includes(e.key)) {
      v.error('FUNCTION_ARGS', e.keyPos, call.path, `${call.fn}: unknown argument "${e.key}" (allowed: ${allowed.join(', ')})`);
      ok = false;
    }
    out.set(e.key, e.value);
  }
  for (const r of required) {
    if (!out.has(r)) {
      argError(call, v, `missing argument "${r}"`);
      ok = false;
    }
  }
  return ok ? out : undefined;
}

/** True when the snippet has no function calls (its value is known at validation). */
export function isLiteral(s: Snippet): boolean {
  switch (s.kind) {
    case 'literal':
      return true;
    case 'list':
      return s.items.every(isLiteral);
    case 'map':
      return s.entries.every((e) => isLiteral(e.value));
    default:
      return false;
  }
}

export function literalString(s: Snippet | undefined): string | undefined {
  return s?.kind === 'literal' && typeof s.value === 'string' ? s.value : undefined;
}

/** Throws a run-time function error at the call. */
export function fail(call: FunctionCall, detail: string): never {
  throw new FunctionError(call.pos, call.path, `${call.fn}: ${detail}`);
}

export function isMap(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Map arg lookup on an already-resolved args map. */
export function argsMap(call: FunctionCall): Map<string, Snippet> {
  const out = new Map<string, Snippet>();
  if (call.args.kind === 'map') for (const e of call.args.entries) out.set(e.key, e.value);
  return out;
}

export function argsList(call: FunctionCall): Snippet[] | undefined {
  return call.args.kind === 'list' ? call.args.items : undefined;
}

/** Deep equality of JSON values (Heat compares with Python ==). */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i] as Json));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && jsonEqual(a[k] as Json, b[k] as Json));
  }
  return false;
}
