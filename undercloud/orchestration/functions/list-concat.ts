/** list_concat: [list, ...] — one list with the items of all, in order. */
import type { FunctionCall, Json } from '../template/types.js';
import { argError, fail } from './args.js';
import type { EvalContext, IntrinsicFunction, ValidateContext } from './types.js';

export function validateLists(call: FunctionCall, v: ValidateContext): void {
  const a = call.args;
  if (a.kind === 'call') return v.validate(a);
  if (a.kind !== 'list') return argError(call, v, 'arguments must be a list of lists', a);
  for (const l of a.items) {
    v.validate(l);
    if (l.kind === 'literal' || l.kind === 'map') argError(call, v, 'arguments must be lists', l);
  }
}

export function concatLists(call: FunctionCall, e: EvalContext): Json[] | undefined {
  const args = e.evaluate(call.args);
  if (args === undefined) return undefined;
  if (!Array.isArray(args)) fail(call, 'arguments must be a list of lists');
  const out: Json[] = [];
  for (const l of args) {
    if (l === null) continue;
    if (!Array.isArray(l)) fail(call, `arguments must be lists, not ${JSON.stringify(l)}`);
    out.push(...l);
  }
  return out;
}

export const listConcat: IntrinsicFunction = {
  name: 'list_concat',
  since: '2017-09-01',
  validate: validateLists,
  resolve: (call, e) => concatLists(call, e),
};
