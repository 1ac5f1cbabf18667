/**
 * A condition argument (of not/and/or/if, a resource's or output's `condition:`): a condition name, a
 * boolean literal, or a condition function. Shared by the condition intrinsics.
 */
import type { FunctionCall, Snippet } from '../template/types.js';
import { argError } from './args.js';
import type { ValidateContext } from './types.js';

export function validateConditionArg(s: Snippet, call: FunctionCall | undefined, v: ValidateContext, path: string[]): void {
  if (s.kind === 'literal') {
    if (typeof s.value === 'boolean') return;
    if (typeof s.value === 'string') {
      if (!v.hasCondition(s.value)) v.error('UNKNOWN_CONDITION', s.pos, path, `the condition "${s.value}" is not defined`);
      return;
    }
  }
  if (s.kind === 'call') return v.validate(s);
  const detail = 'a condition must be a condition name, a boolean or a condition function';
  if (call) argError(call, v, detail, s);
  else v.error('FUNCTION_ARGS', s.pos, path, detail);
}
