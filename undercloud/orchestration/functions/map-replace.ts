/**
 * map_replace: [map, {keys: {old: new}, values: {old: new}}]. As in Heat, a renamed key that collides with
 * a key already in the map, or two keys renamed to the same name, is an error; values are matched whole.
 */
import type { Json } from '../template/types.js';
import { argError, fail, isMap, listArgs } from './args.js';
import type { IntrinsicFunction } from './types.js';

export const mapReplace: IntrinsicFunction = {
  name: 'map_replace',
  since: '2016-10-14',
  validate(call, v) {
    const items = listArgs(call, v, 2, 2, 'a list [map, {keys: {...}, values: {...}}]');
    if (items === undefined) {
      if (call.args.kind === 'call') v.validate(call.args);
      return;
    }
    items.forEach((s) => v.validate(s));
    const spec = items[1];
    if (spec?.kind === 'map') {
      for (const e of spec.entries) {
        if (e.key !== 'keys' && e.key !== 'values') {
          v.error('FUNCTION_ARGS', e.keyPos, call.path, `map_replace: unknown key "${e.key}" (allowed: keys, values)`);
        }
      }
    } else if (spec && spec.kind !== 'call') argError(call, v, 'the second argument must be a map with keys and/or values', spec);
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!Array.isArray(args) || args.length !== 2) fail(call, 'arguments must be a list [map, {keys, values}]');
    const [input, spec] = args;
    if (!isMap(input)) fail(call, 'the first argument must be a map');
    if (!isMap(spec)) fail(call, 'the second argument must be a map with keys and/or values');
    const keys = spec['keys'] ?? {};
    const values = spec['values'] ?? {};
    if (!isMap(keys)) fail(call, '"keys" must be a map');
    if (!isMap(values)) fail(call, '"values" must be a map');
    const out: { [k: string]: Json } = {};
    for (const [k, val] of Object.entries(input)) {
      const nk = Object.hasOwn(keys, k) ? String(keys[k]) : k;
      if (nk !== k && Object.hasOwn(input, nk)) fail(call, `key replacement ${nk} collides with a key in the input map`);
      if (Object.hasOwn(out, nk)) fail(call, `key replacement ${nk} collides with a key in the output map`);
      // Python dict membership: only a string value can equal a (string) key of `values`.
      out[nk] = typeof val === 'string' && Object.hasOwn(values, val) ? (values[val] as Json) : val;
    }
    return out;
  },
};
