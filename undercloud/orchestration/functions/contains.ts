/** contains: [value, sequence] — membership in a list (deep equality) or substring of a string (Python `in`). */
import { fail, jsonEqual, listArgs } from './args.js';
import type { IntrinsicFunction } from './types.js';

export const contains: IntrinsicFunction = {
  name: 'contains',
  since: '2017-09-01',
  condition: true,
  validate(call, v) {
    const items = listArgs(call, v, 2, 2, 'a list [value, sequence]');
    (items ?? []).forEach((s) => v.validate(s));
    if (items === undefined && call.args.kind === 'call') v.validate(call.args);
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!Array.isArray(args) || args.length !== 2) fail(call, 'arguments must be a list [value, sequence]');
    const [value, seq] = args;
    if (Array.isArray(seq)) return seq.some((x) => jsonEqual(x, value ?? null));
    if (typeof seq === 'string' && typeof value === 'string') return seq.includes(value);
    return fail(call, 'the second argument must be a list');
  },
};
