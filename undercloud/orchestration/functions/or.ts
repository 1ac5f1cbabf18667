/** or: [condition, condition, ...] — true when any is (at least two, as in Heat). */
import { combine, validateConditionList } from './and.js';
import type { IntrinsicFunction } from './types.js';

export const or: IntrinsicFunction = {
  name: 'or',
  since: '2016-10-14',
  condition: true,
  validate: validateConditionList,
  resolve: (call, e) => combine(call, e, false),
};
