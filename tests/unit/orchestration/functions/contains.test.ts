import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

describe('contains', () => {
  it('tests list membership and substrings', () => {
    expect(evalExpr('{contains: [b, [a, b]]}')).toBe(true);
    expect(evalExpr('{contains: [z, [a, b]]}')).toBe(false);
    expect(evalExpr('{contains: [ell, hello]}')).toBe(true);
  });
  it('works as a condition', () => {
    expect(evalExpr('{if: [has_b, yes_, no_]}', { conditions: '{has_b: {contains: [b, {get_param: L}]}}', params: '{L: {type: comma_delimited_list, default: "a,b"}}' })).toBe('yes_');
  });
  it('checks the argument count', () => {
    expect(exprErrors('{contains: [a]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:25: contains: arguments must be a list \[value, sequence\]/);
  });
});
