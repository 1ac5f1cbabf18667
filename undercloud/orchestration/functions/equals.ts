/** equals: [a, b] — deep equality of the two resolved values. */
import { fail, jsonEqual, listArgs } from './args.js';
import type { IntrinsicFunction } from './types.js';

export const equals: IntrinsicFunction = {
  name: 'equals',
  since: '2016-10-14',
  condition: true,
  validate(call, v) {
    const items = listArgs(call, v, 2, 2, 'a list of two values');
    (items ?? []).forEach((s) => v.validate(s));
    if (items === undefined && call.args.kind === 'call') v.validate(call.args);
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!Array.isArray(args) || args.length !== 2) fail(call, 'arguments must be a list of two values');
    return jsonEqual(args[0] ?? null, args[1] ?? null);
  },
};
