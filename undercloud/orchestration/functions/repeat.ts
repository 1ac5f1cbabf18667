/**
 * repeat: {for_each: {var: list, ...}, template, permutations?}. The template is resolved first, then
 * each combination substitutes the vars in every string (keys and values). Several vars iterate over the
 * cartesian product in for_each order, or pairwise (equal lengths) with permutations: false.
 */
import type { Json } from '../template/types.js';
import { argError, fail, isMap, mapArgs } from './args.js';
import { pyStr } from './python-text.js';
import type { IntrinsicFunction } from './types.js';

function replaceIn(template: Json, pairs: [string, string][]): Json {
  if (typeof template === 'string') {
    let s = template;
    for (const [k, v] of pairs) s = s.split(k).join(v);
    return s;
  }
  if (Array.isArray(template)) return template.map((t) => replaceIn(t, pairs));
  if (isMap(template)) {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(template)) out[replaceIn(k, pairs) as string] = replaceIn(v, pairs);
    return out;
  }
  return template;
}

function product(lists: Json[][]): Json[][] {
  return lists.reduce<Json[][]>((acc, l) => acc.flatMap((combo) => l.map((x) => [...combo, x])), [[]]);
}

export const repeat: IntrinsicFunction = {
  name: 'repeat',
  since: '2015-04-30',
  validate(call, v) {
    const m = mapArgs(call, v, ['for_each', 'template', 'permutations'], ['for_each', 'template']);
    if (m === undefined) {
      if (call.args.kind === 'call') v.validate(call.args);
      return;
    }
    for (const s of m.values()) v.validate(s);
    const fe = m.get('for_each');
    if (fe && fe.kind !== 'map' && fe.kind !== 'call') argError(call, v, '"for_each" must be a map of variable -> list', fe);
    if (fe?.kind === 'map') {
      for (const e of fe.entries) {
        if (e.value.kind === 'literal' || e.value.kind === 'map') argError(call, v, `"for_each.${e.key}" must be a list`, e.value);
      }
    }
    const perm = m.get('permutations');
    if (perm?.kind === 'literal' && typeof perm.value !== 'boolean') argError(call, v, '"permutations" must be a boolean', perm);
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!isMap(args)) fail(call, 'arguments must be a map');
    const forEach = args['for_each'];
    if (!isMap(forEach)) fail(call, '"for_each" must be a map of variable -> list');
    const keys = Object.keys(forEach);
    const lists = keys.map((k) => {
      const l = forEach[k];
      if (!Array.isArray(l)) fail(call, `"for_each.${k}" must be a list`);
      return l;
    });
    const permutations = args['permutations'] ?? true;
    if (typeof permutations !== 'boolean') fail(call, '"permutations" must be a boolean');
    let combos: Json[][];
    if (permutations) combos = product(lists);
    else {
      const n = lists[0]?.length ?? 0;
      if (lists.some((l) => l.length !== n)) fail(call, 'with permutations: false, all for_each lists must have the same length');
      combos = Array.from({ length: n }, (_, i) => lists.map((l) => l[i] as Json));
    }
    const template = args['template'] ?? null;
    return combos.map((combo) =>
      replaceIn(
        template,
        combo.map((val, i) => {
          if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') {
            fail(call, `for_each values must be strings, not ${JSON.stringify(val)}`);
          }
          return [keys[i] as string, typeof val === 'string' ? val : pyStr(val)];
        }),
      ),
    );
  },
};
