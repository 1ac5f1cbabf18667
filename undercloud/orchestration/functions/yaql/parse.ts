/**
 * A parser for the YAQL subset we support (docs/orchestration-templates.md lists it): literals, `$` and
 * `$.key`, indexing, method calls `x.f(args)` and calls `f(args)`, list `[...]` and map `{k => v}`
 * literals, arithmetic, comparison, `in`, `and`/`or`/`not`, and variables: `let(1, a => 2) -> $1 + $a`
 * and `with(...)` (yaql's `->` evaluates its right side with the variables its left side's let/with binds).
 * Arguments are kept as ASTs so that where/select can evaluate them per item with `$` bound to the item.
 */
import { YaqlError } from './evaluate-error.js';

export type Ast =
  | { t: 'lit'; v: null | boolean | number | string }
  | { t: 'ctx' }
  | { t: 'member'; obj: Ast; name: string }
  | { t: 'index'; obj: Ast; index: Ast }
  | { t: 'call'; name: string; recv?: Ast; args: Ast[]; kwargs?: [string, Ast][] }
  | { t: 'var'; name: string }
  | { t: 'chain'; l: Ast; r: Ast }
  | { t: 'list'; items: Ast[] }
  | { t: 'dict'; entries: [Ast, Ast][] }
  | { t: 'bin'; op: string; l: Ast; r: Ast }
  | { t: 'un'; op: string; e: Ast };

type Tok = { k: 'num' | 'str' | 'id' | 'op' | 'end'; v: string; at: number };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const at = i;
    if (/[0-9]/.test(ch)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ k: 'num', v: m[0], at });
      i += m[0].length;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== ch) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const n = src[j + 1] as string;
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new YaqlError(`unterminated string at ${at}`);
      out.push({ k: 'str', v: s, at });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ k: 'id', v: m[0], at });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>=', '=>', '->'].includes(two)) {
        out.push({ k: 'op', v: two, at });
        i += 2;
      } else if ('$.()[]{},+-*/<>=:'.includes(ch)) {
        out.push({ k: 'op', v: ch, at });
        i++;
      } else throw new YaqlError(`unexpected character "${ch}" at ${at}`);
    }
  }
  out.push({ k: 'end', v: '', at: src.length });
  return out;
}

export function parseYaql(src: string): Ast {
  const toks = lex(src);
  let p = 0;
  const peek = (): Tok => toks[p] as Tok;
  const next = (): Tok => toks[p++] as Tok;
  const isOp = (v: string): boolean => peek().k === 'op' && peek().v === v;
  const isKw = (v: string): boolean => peek().k === 'id' && peek().v === v;
  const expect = (v: string): void => {
    if (!isOp(v)) throw new YaqlError(`expected "${v}" at ${peek().at}`);
    p++;
  };
  /** Positional arguments up to `close`; `name => value` ones go to `kwargs` when given (call arguments). */
  const args = (close: string, kwargs?: [string, Ast][]): Ast[] => {
    const out: Ast[] = [];
    if (isOp(close)) {
      p++;
      return out;
    }
    for (;;) {
      const after = toks[p + 1];
      if (kwargs && peek().k === 'id' && after?.k === 'op' && after.v === '=>') {
        const name = next().v;
        p++;
        kwargs.push([name, expr()]);
      } else out.push(expr());
      if (isOp(',')) {
        p++;
        continue;
      }
      expect(close);
      return out;
    }
  };
  const primary = (): Ast => {
    const t = next();
    if (t.k === 'num') return { t: 'lit', v: Number(t.v) };
    if (t.k === 'str') return { t: 'lit', v: t.v };
    if (t.k === 'id') {
      if (t.v === 'true') return { t: 'lit', v: true };
      if (t.v === 'false') return { t: 'lit', v: false };
      if (t.v === 'null') return { t: 'lit', v: null };
      if (isOp('(')) {
        p++;
        const kwargs: [string, Ast][] = [];
        const positional = args(')', kwargs);
        return kwargs.length > 0 ? { t: 'call', name: t.v, args: positional, kwargs } : { t: 'call', name: t.v, args: positional };
      }
      throw new YaqlError(`unknown name "${t.v}" at ${t.at} (use $ or $.key)`);
    }
    if (t.k === 'op') {
      if (t.v === '$') {
        // `$name` and `$1` are variables (bound by let/with; `$data` unbound is `$.data`, as Heat's context).
        if ((peek().k === 'id' || (peek().k === 'num' && /^[0-9]+$/.test(peek().v))) && peek().at === t.at + 1) return { t: 'var', name: next().v };
        return { t: 'ctx' };
      }
      if (t.v === '(') {
        const e = expr();
        expect(')');
        return e;
      }
      if (t.v === '[') return { t: 'list', items: args(']') };
      if (t.v === '{') {
        const entries: [Ast, Ast][] = [];
        if (isOp('}')) {
          p++;
          return { t: 'dict', entries };
        }
        for (;;) {
          const k = expr();
          if (isOp('=>') || isOp(':')) p++;
          else throw new YaqlError(`expected "=>" at ${peek().at}`);
          entries.push([k, expr()]);
          if (isOp(',')) {
            p++;
            continue;
          }
          expect('}');
          return { t: 'dict', entries };
        }
      }
    }
    throw new YaqlError(`unexpected ${t.k === 'end' ? 'end of expression' : `"${t.v}" at ${t.at}`}`);
  };
  const postfix = (): Ast => {
    let e = primary();
    for (;;) {
      if (isOp('.')) {
        p++;
        const id = next();
        if (id.k !== 'id') throw new YaqlError(`expected a name after "." at ${id.at}`);
        if (isOp('(')) {
          p++;
          e = { t: 'call', name: id.v, recv: e, args: args(')') };
        } else e = { t: 'member', obj: e, name: id.v };
      } else if (isOp('[')) {
        p++;
        const index = expr();
        expect(']');
        e = { t: 'index', obj: e, index };
      } else return e;
    }
  };
  const unary = (): Ast => (isOp('-') ? (p++, { t: 'un', op: '-', e: unary() }) : postfix());
  const binary = (ops: string[], sub: () => Ast, kw = false): (() => Ast) => () => {
    let l = sub();
    while ((kw ? peek().k === 'id' : peek().k === 'op') && ops.includes(peek().v)) {
      const op = next().v;
      l = { t: 'bin', op, l, r: sub() };
    }
    return l;
  };
  const mul = binary(['*', '/'], unary);
  const mulMod = (): Ast => {
    let l = mul();
    while (isKw('mod')) {
      p++;
      l = { t: 'bin', op: 'mod', l, r: mul() };
    }
    return l;
  };
  const add = binary(['+', '-'], mulMod);
  const cmp = (): Ast => {
    const l = add();
    if (peek().k === 'op' && ['=', '==', '!=', '<', '>', '<=', '>='].includes(peek().v)) {
      const op = next().v;
      return { t: 'bin', op: op === '==' ? '=' : op, l, r: add() };
    }
    if (isKw('in')) {
      p++;
      return { t: 'bin', op: 'in', l, r: add() };
    }
    return l;
  };
  const not = (): Ast => (isKw('not') ? (p++, { t: 'un', op: 'not', e: not() }) : cmp());
  const and = binary(['and'], not, true);
  const or = binary(['or'], and, true);
  // `->` binds loosest and to the right: `let(a => 1) -> let(b => $a) -> $a + $b`.
  const expr = (): Ast => {
    const l = or();
    if (!isOp('->')) return l;
    p++;
    return { t: 'chain', l, r: expr() };
  };
  const e = expr();
  if (peek().k !== 'end') throw new YaqlError(`unexpected "${peek().v}" at ${peek().at}`);
  return e;
}
