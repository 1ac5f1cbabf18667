/** not: condition — negation of a condition name, boolean or condition function. */
import { validateConditionArg } from './condition-args.js';
import type { IntrinsicFunction } from './types.js';

export const not: IntrinsicFunction = {
  name: 'not',
  since: '2016-10-14',
  condition: true,
  validate(call, v) {
    validateConditionArg(call.args, call, v, call.path);
  },
  resolve(call, e) {
    const c = e.condition(call.args);
    return c === undefined ? undefined : !c;
  },
};
