/**
 * if: [condition, value_if_true, value_if_false]; the 2-argument form (2021-04-16) drops the enclosing
 * map entry or list item when the condition is false. Only the chosen branch is resolved.
 */
import { argError } from './args.js';
import { validateConditionArg } from './condition-args.js';
import { OMIT } from './types.js';
import type { IntrinsicFunction } from './types.js';

const TWO_ARG_SINCE = '2021-04-16';

export const ifFn: IntrinsicFunction = {
  name: 'if',
  since: '2016-10-14',
  validate(call, v) {
    const a = call.args;
    const min = v.version >= TWO_ARG_SINCE ? 2 : 3;
    if (a.kind !== 'list' || a.items.length < min || a.items.length > 3) {
      return argError(call, v, min === 2 ? 'arguments must be a list [condition, value_if_true, value_if_false?]' : 'arguments must be a list [condition, value_if_true, value_if_false]', a);
    }
    validateConditionArg(a.items[0]!, call, v, call.path);
    a.items.slice(1).forEach((s) => v.validate(s));
  },
  resolve(call, e) {
    if (call.args.kind !== 'list') return undefined;
    const [cond, yes, no] = call.args.items;
    if (cond === undefined || yes === undefined) return undefined;
    const c = e.condition(cond);
    if (c === undefined) return undefined;
    if (c) return e.evaluate(yes);
    return no === undefined ? OMIT : e.evaluate(no);
  },
};
