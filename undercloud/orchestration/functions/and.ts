/** and: [condition, condition, ...] — true when all are (at least two, as in Heat). */
import type { FunctionCall } from '../template/types.js';
import { argError } from './args.js';
import { validateConditionArg } from './condition-args.js';
import type { EvalContext, IntrinsicFunction, Resolved, ValidateContext } from './types.js';

export function validateConditionList(call: FunctionCall, v: ValidateContext): void {
  const a = call.args;
  if (a.kind !== 'list' || a.items.length < 2) return argError(call, v, 'arguments must be a list of at least two conditions', a);
  for (const s of a.items) validateConditionArg(s, call, v, call.path);
}

export function combine(call: FunctionCall, e: EvalContext, all: boolean): Resolved {
  if (call.args.kind !== 'list') return undefined;
  let unknown = false;
  for (const s of call.args.items) {
    const c = e.condition(s);
    if (c === undefined) unknown = true;
    else if (c !== all) return c;
  }
  return unknown ? undefined : all;
}

export const and: IntrinsicFunction = {
  name: 'and',
  since: '2016-10-14',
  condition: true,
  validate: validateConditionList,
  resolve: (call, e) => combine(call, e, true),
};
