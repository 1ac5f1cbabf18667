/** map_merge: [map, ...] — shallow merge, later maps win. */
import type { Json } from '../template/types.js';
import { argError, fail, isMap } from './args.js';
import type { IntrinsicFunction } from './types.js';

export const mapMerge: IntrinsicFunction = {
  name: 'map_merge',
  since: '2016-04-08',
  validate(call, v) {
    const a = call.args;
    if (a.kind === 'call') return v.validate(a);
    if (a.kind !== 'list') return argError(call, v, 'arguments must be a list of maps', a);
    for (const m of a.items) {
      v.validate(m);
      if (m.kind === 'literal' || m.kind === 'list') argError(call, v, 'arguments must be a list of maps', m);
    }
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!Array.isArray(args)) fail(call, 'arguments must be a list of maps');
    const out: { [k: string]: Json } = {};
    for (const m of args) {
      if (m === null) continue;
      if (!isMap(m)) fail(call, `arguments must be maps, not ${JSON.stringify(m)}`);
      Object.assign(out, m);
    }
    return out;
  },
};
