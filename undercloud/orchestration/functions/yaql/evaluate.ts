/**
 * Evaluation of the YAQL subset. `$` starts as {data: <data>} (Heat's context); inside where/select/
 * orderBy/selectMany/any/all it is the current item. Iteration is capped like Heat's limit_iterators.
 * Variables (`$name`, `$1`) are bound by `let`/`with` on the left of `->` and seen everywhere on its right,
 * predicates included.
 */
import type { Json } from '../../template/types.js';
import { jsonEqual } from '../args.js';
import { pyStr } from '../python-text.js';
import { YaqlError } from './evaluate-error.js';
import type { Ast } from './parse.js';

export { YaqlError };

const LIMIT_ITERATORS = 9000;
type JMap = { [k: string]: Json };
const isMap = (v: Json | undefined): v is JMap => typeof v === 'object' && v !== null && !Array.isArray(v);

type Fn = (recv: Json | undefined, args: Ast[], ev: (a: Ast, ctx?: Json) => Json, ctx: Json) => Json;

function coll(v: Json | undefined, fn: string): Json[] {
  if (Array.isArray(v)) {
    if (v.length > LIMIT_ITERATORS) throw new YaqlError(`${fn}: more than ${LIMIT_ITERATORS} items (limit_iterators)`);
    return v;
  }
  if (isMap(v)) return Object.keys(v);
  throw new YaqlError(`${fn}: expected a collection, got ${JSON.stringify(v ?? null)}`);
}
function str(v: Json): string {
  if (typeof v === 'string') return v;
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return typeof v === 'boolean' ? (v ? 'true' : 'false') : pyStr(v);
  return JSON.stringify(v);
}
function arg0(recv: Json | undefined, args: Ast[], ev: (a: Ast) => Json): [Json, Ast[]] {
  if (recv !== undefined) return [recv, args];
  if (args.length === 0) throw new YaqlError('missing argument');
  return [ev(args[0] as Ast), args.slice(1)];
}
function num(v: Json, fn: string): number {
  if (typeof v !== 'number') throw new YaqlError(`${fn}: expected a number, got ${JSON.stringify(v)}`);
  return v;
}

const FUNCTIONS: Record<string, Fn> = {
  len: (r, a, ev) => {
    const [v] = arg0(r, a, ev);
    if (typeof v === 'string') return v.length;
    return coll(v, 'len').length;
  },
  count: (r, a, ev) => coll(arg0(r, a, ev)[0], 'count').length,
  keys: (r, a, ev) => {
    const [v] = arg0(r, a, ev);
    if (!isMap(v)) throw new YaqlError('keys: expected a map');
    return Object.keys(v);
  },
  values: (r, a, ev) => {
    const [v] = arg0(r, a, ev);
    if (!isMap(v)) throw new YaqlError('values: expected a map');
    return Object.values(v);
  },
  items: (r, a, ev) => {
    const [v] = arg0(r, a, ev);
    if (!isMap(v)) throw new YaqlError('items: expected a map');
    return Object.entries(v).map(([k, x]) => [k, x]);
  },
  flatten: (r, a, ev) => {
    const flat = (x: Json[]): Json[] => x.flatMap((i) => (Array.isArray(i) ? flat(i) : [i]));
    return flat(coll(arg0(r, a, ev)[0], 'flatten'));
  },
  distinct: (r, a, ev) => {
    const out: Json[] = [];
    for (const x of coll(arg0(r, a, ev)[0], 'distinct')) if (!out.some((y) => jsonEqual(x, y))) out.push(x);
    return out;
  },
  where: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    return coll(v, 'where').filter((x) => truthy(ev(rest[0] as Ast, x)));
  },
  select: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    return coll(v, 'select').map((x) => ev(rest[0] as Ast, x));
  },
  selectMany: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    return coll(v, 'selectMany').flatMap((x) => coll(ev(rest[0] as Ast, x), 'selectMany'));
  },
  orderBy: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    const keyed = coll(v, 'orderBy').map((x) => ({ x, k: ev(rest[0] as Ast, x) }));
    return keyed.sort((p, q) => compare(p.k, q.k)).map((p) => p.x);
  },
  any: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    return coll(v, 'any').some((x) => (rest[0] ? truthy(ev(rest[0], x)) : truthy(x)));
  },
  all: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    return coll(v, 'all').every((x) => (rest[0] ? truthy(ev(rest[0], x)) : truthy(x)));
  },
  first: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    const c = coll(v, 'first');
    if (c.length > 0) return c[0] as Json;
    if (rest[0]) return ev(rest[0]);
    throw new YaqlError('first: empty collection');
  },
  last: (r, a, ev) => {
    const c = coll(arg0(r, a, ev)[0], 'last');
    if (c.length === 0) throw new YaqlError('last: empty collection');
    return c[c.length - 1] as Json;
  },
  sum: (r, a, ev) => coll(arg0(r, a, ev)[0], 'sum').reduce<number>((s, x) => s + num(x, 'sum'), 0),
  max: (r, a, ev) => coll(arg0(r, a, ev)[0], 'max').reduce<Json>((m, x) => (m === null || compare(x, m) > 0 ? x : m), null),
  min: (r, a, ev) => coll(arg0(r, a, ev)[0], 'min').reduce<Json>((m, x) => (m === null || compare(x, m) < 0 ? x : m), null),
  join: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    const other = rest[0] ? ev(rest[0]) : '';
    // Both spellings: list.join(sep) and sep.join(list).
    if (typeof v === 'string' && Array.isArray(other)) return other.map(str).join(v);
    if (typeof other !== 'string') throw new YaqlError('join: the separator must be a string');
    return coll(v, 'join').map(str).join(other);
  },
  split: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    if (typeof v !== 'string') throw new YaqlError('split: expected a string');
    const sep = rest[0] ? ev(rest[0]) : null;
    return sep === null ? v.split(/\s+/).filter(Boolean) : v.split(str(sep));
  },
  replace: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    if (typeof v !== 'string' || rest.length < 2) throw new YaqlError('replace: expected string.replace(old, new)');
    return v.split(str(ev(rest[0] as Ast))).join(str(ev(rest[1] as Ast)));
  },
  trim: (r, a, ev) => str(arg0(r, a, ev)[0]).trim(),
  toLower: (r, a, ev) => str(arg0(r, a, ev)[0]).toLowerCase(),
  toUpper: (r, a, ev) => str(arg0(r, a, ev)[0]).toUpperCase(),
  startsWith: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    return str(v).startsWith(str(ev(rest[0] as Ast)));
  },
  endsWith: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    return str(v).endsWith(str(ev(rest[0] as Ast)));
  },
  str: (r, a, ev) => str(arg0(r, a, ev)[0]),
  int: (r, a, ev) => {
    const v = arg0(r, a, ev)[0];
    const n = typeof v === 'number' ? Math.trunc(v) : parseInt(str(v), 10);
    if (Number.isNaN(n)) throw new YaqlError(`int: cannot convert ${JSON.stringify(v)}`);
    return n;
  },
  list: (r, a, ev) => (r !== undefined ? coll(r, 'list') : a.map((x) => ev(x))),
  toList: (r, a, ev) => coll(arg0(r, a, ev)[0], 'toList'),
  dict: (r, a, ev) => {
    const pairs = r !== undefined ? coll(r, 'dict') : a.length === 1 ? coll(ev(a[0] as Ast), 'dict') : a.map((x) => ev(x));
    const out: JMap = {};
    for (const p of pairs) {
      if (!Array.isArray(p) || p.length !== 2) throw new YaqlError('dict: expected [key, value] pairs');
      out[str(p[0] as Json)] = p[1] as Json;
    }
    return out;
  },
  concat: (r, a, ev) => {
    const parts = r !== undefined ? [r, ...a.map((x) => ev(x))] : a.map((x) => ev(x));
    if (parts.every((p) => typeof p === 'string')) return parts.join('');
    return parts.flatMap((p) => coll(p, 'concat'));
  },
  coalesce: (r, a, ev) => {
    if (r !== undefined && r !== null) return r;
    for (const x of a) {
      const v = ev(x);
      if (v !== null) return v;
    }
    return null;
  },
  isEmpty: (r, a, ev) => {
    const v = arg0(r, a, ev)[0];
    return v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isMap(v) && Object.keys(v).length === 0);
  },
  contains: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    const x = ev(rest[0] as Ast);
    if (typeof v === 'string') return v.includes(str(x));
    if (isMap(v)) return typeof x === 'string' && Object.hasOwn(v, x);
    return coll(v, 'contains').some((y) => jsonEqual(x, y));
  },
  mergeWith: (r, a, ev) => {
    const [v, rest] = arg0(r, a, ev);
    const o = ev(rest[0] as Ast);
    if (!isMap(v) || !isMap(o)) throw new YaqlError('mergeWith: expected maps');
    return { ...v, ...o };
  },
};

export const YAQL_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS);

function truthy(v: Json): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

function compare(a: Json, b: Json): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new YaqlError(`cannot compare ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
}

/** The functions that bind variables for the right side of `->` (yaql's; they only make sense there). */
const BINDERS = new Set(['let', 'with']);

/** Names the expression calls that the subset does not have (reported at validation). */
export function unsupportedCalls(ast: Ast): string[] {
  const out: string[] = [];
  const walk = (n: Ast): void => {
    switch (n.t) {
      case 'call':
        if (!Object.hasOwn(FUNCTIONS, n.name) && !BINDERS.has(n.name)) out.push(n.name);
        if (n.recv) walk(n.recv);
        n.args.forEach(walk);
        n.kwargs?.forEach(([, v]) => walk(v));
        return;
      case 'chain':
        walk(n.l);
        return walk(n.r);
      case 'member':
        return walk(n.obj);
      case 'index':
        walk(n.obj);
        return walk(n.index);
      case 'list':
        return n.items.forEach(walk);
      case 'dict':
        return n.entries.forEach(([k, v]) => (walk(k), walk(v)));
      case 'bin':
        walk(n.l);
        return walk(n.r);
      case 'un':
        return walk(n.e);
      default:
        return;
    }
  };
  walk(ast);
  return out;
}

/**
 * Checks what the parser cannot: `let`/`with` only on the left of `->` (and `name => value` arguments only
 * there, `with` taking none), every variable bound by an enclosing let/with (`$data` excepted: Heat's
 * `$.data`). Throws a YaqlError naming the first problem.
 */
export function checkVariables(ast: Ast): void {
  const walk = (n: Ast, bound: ReadonlySet<string>): void => {
    switch (n.t) {
      case 'var':
        if (!bound.has(n.name) && n.name !== 'data') throw new YaqlError(`unknown variable $${n.name} (bind it with let(${n.name} => ...) -> ...)`);
        return;
      case 'chain': {
        const l = n.l;
        if (l.t !== 'call' || !BINDERS.has(l.name) || l.recv) throw new YaqlError('the left side of -> must be let(...) or with(...)');
        if (l.name === 'with' && l.kwargs) throw new YaqlError('with() takes positional values only ($1, $2, ...); use let() for names');
        l.args.forEach((a) => walk(a, bound));
        l.kwargs?.forEach(([, v]) => walk(v, bound));
        return walk(n.r, new Set([...bound, ...l.args.map((_, i) => String(i + 1)), ...(l.kwargs ?? []).map(([k]) => k)]));
      }
      case 'call':
        if (BINDERS.has(n.name)) throw new YaqlError(`${n.name}() only binds variables for the expression after it: ${n.name}(...) -> ...`);
        if (n.kwargs) throw new YaqlError(`${n.name}() takes no "name => value" arguments`);
        if (n.recv) walk(n.recv, bound);
        return n.args.forEach((a) => walk(a, bound));
      case 'member':
        return walk(n.obj, bound);
      case 'index':
        walk(n.obj, bound);
        return walk(n.index, bound);
      case 'list':
        return n.items.forEach((a) => walk(a, bound));
      case 'dict':
        return n.entries.forEach(([k, v]) => (walk(k, bound), walk(v, bound)));
      case 'bin':
        walk(n.l, bound);
        return walk(n.r, bound);
      case 'un':
        return walk(n.e, bound);
      default:
        return;
    }
  };
  walk(ast, new Set());
}

type Vars = ReadonlyMap<string, Json>;

export function evaluateYaql(ast: Ast, data: Json): Json {
  const ev = (n: Ast, ctx: Json, vars: Vars): Json => {
    switch (n.t) {
      case 'lit':
        return n.v;
      case 'ctx':
        return ctx;
      case 'var': {
        if (vars.has(n.name)) return vars.get(n.name)!;
        if (n.name === 'data') return isMap(ctx) ? (ctx.data ?? null) : null;
        throw new YaqlError(`unknown variable $${n.name}`);
      }
      case 'chain': {
        const l = n.l;
        if (l.t !== 'call' || !BINDERS.has(l.name)) throw new YaqlError('the left side of -> must be let(...) or with(...)');
        const inner = new Map(vars);
        l.args.forEach((a, i) => inner.set(String(i + 1), ev(a, ctx, vars)));
        for (const [k, v] of l.kwargs ?? []) inner.set(k, ev(v, ctx, vars));
        return ev(n.r, ctx, inner);
      }
      case 'member': {
        const o = ev(n.obj, ctx, vars);
        return isMap(o) ? (o[n.name] ?? null) : null;
      }
      case 'index': {
        const o = ev(n.obj, ctx, vars);
        const i = ev(n.index, ctx, vars);
        if (Array.isArray(o) && typeof i === 'number') return o[i < 0 ? o.length + i : i] ?? null;
        if (isMap(o) && typeof i === 'string') return o[i] ?? null;
        if (typeof o === 'string' && typeof i === 'number') return o[i] ?? null;
        throw new YaqlError(`cannot index ${JSON.stringify(o)} with ${JSON.stringify(i)}`);
      }
      case 'call': {
        if (BINDERS.has(n.name)) throw new YaqlError(`${n.name}() only binds variables for the expression after it: ${n.name}(...) -> ...`);
        const f = FUNCTIONS[n.name];
        if (f === undefined) throw new YaqlError(`unsupported yaql function ${n.name}()`);
        if (n.kwargs) throw new YaqlError(`${n.name}() takes no "name => value" arguments`);
        const recv = n.recv ? ev(n.recv, ctx, vars) : undefined;
        return f(recv, n.args, (a, c) => ev(a, c === undefined ? ctx : c, vars), ctx);
      }
      case 'list':
        return n.items.map((x) => ev(x, ctx, vars));
      case 'dict':
        return Object.fromEntries(n.entries.map(([k, v]) => [str(ev(k, ctx, vars)), ev(v, ctx, vars)]));
      case 'un': {
        const v = ev(n.e, ctx, vars);
        return n.op === 'not' ? !truthy(v) : -num(v, '-');
      }
      case 'bin': {
        if (n.op === 'and') return truthy(ev(n.l, ctx, vars)) && truthy(ev(n.r, ctx, vars));
        if (n.op === 'or') return truthy(ev(n.l, ctx, vars)) || truthy(ev(n.r, ctx, vars));
        const l = ev(n.l, ctx, vars);
        const r = ev(n.r, ctx, vars);
        switch (n.op) {
          case '=':
            return jsonEqual(l, r);
          case '!=':
            return !jsonEqual(l, r);
          case '<':
            return compare(l, r) < 0;
          case '>':
            return compare(l, r) > 0;
          case '<=':
            return compare(l, r) <= 0;
          case '>=':
            return compare(l, r) >= 0;
          case 'in':
            return Array.isArray(r) ? r.some((x) => jsonEqual(x, l)) : isMap(r) ? typeof l === 'string' && Object.hasOwn(r, l) : typeof r === 'string' && r.includes(str(l));
          case '+':
            if (typeof l === 'number' && typeof r === 'number') return l + r;
            if (typeof l === 'string' && typeof r === 'string') return l + r;
            if (Array.isArray(l) && Array.isArray(r)) return [...l, ...r];
            if (isMap(l) && isMap(r)) return { ...l, ...r };
            throw new YaqlError(`cannot add ${JSON.stringify(l)} and ${JSON.stringify(r)}`);
          case '-':
            return num(l, '-') - num(r, '-');
          case '*':
            return num(l, '*') * num(r, '*');
          case '/': {
            const d = num(r, '/');
            if (d === 0) throw new YaqlError('division by zero');
            const q = num(l, '/') / d;
            return Number.isInteger(l) && Number.isInteger(r) ? Math.floor(q) : q;
          }
          case 'mod':
            return ((num(l, 'mod') % num(r, 'mod')) + num(r, 'mod')) % num(r, 'mod');
        }
        throw new YaqlError(`unknown operator ${n.op}`);
      }
    }
  };
  return ev(ast, { data }, new Map());
}
