/** filter: [values_to_remove, list] — the list without those values (deep equality). */
import { fail, jsonEqual, listArgs } from './args.js';
import type { IntrinsicFunction } from './types.js';

export const filter: IntrinsicFunction = {
  name: 'filter',
  since: '2017-02-24',
  validate(call, v) {
    const items = listArgs(call, v, 2, 2, 'a list [values_to_remove, list]');
    if (items === undefined) {
      if (call.args.kind === 'call') v.validate(call.args);
      return;
    }
    items.forEach((s) => v.validate(s));
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!Array.isArray(args) || args.length !== 2) fail(call, 'arguments must be a list [values_to_remove, list]');
    const [values, list] = args;
    if (list === null) return [];
    if (!Array.isArray(list)) fail(call, 'the second argument must be a list');
    const remove = values === null ? [null] : Array.isArray(values) ? values : fail(call, 'the values to remove must be a list');
    return list.filter((x) => !remove.some((r) => jsonEqual(x, r)));
  },
};
