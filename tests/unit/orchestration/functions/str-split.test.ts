import { describe, expect, it } from 'vitest';
import { FunctionError } from '../../../../undercloud/orchestration/template/index.js';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('str_split', () => {
  it('splits into a list', () => {
    expect(evalExpr('{str_split: [",", "a,b,,c"]}')).toEqual(['a', 'b', '', 'c']);
  });
  it('returns the item at an index (negative counts from the end)', () => {
    expect(evalExpr('{str_split: [",", "a,b,c", 1]}')).toBe('b');
    expect(evalExpr('{str_split: [",", "a,b,c", -1]}')).toBe('c');
  });
  it('fails on an index out of range', () => {
    expect(evalError('{str_split: [",", "a,b", 5]}')).toMatch(/str_split: index 5 out of range for 2 parts/);
  });
  it('throws a FunctionError with code and position at run time', () => {
    try {
      evalExpr('{str_split: [",", "a", 3]}');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FunctionError);
      expect((e as FunctionError).code).toBe('FUNCTION_FAILED');
      expect((e as FunctionError).pos).toEqual({ file: 't.yaml', line: 8, col: 15 });
    }
  });
  it('fails on splitting a non-string', () => {
    expect(evalError('{str_split: [",", {get_param: L}]}', { params: '{L: {type: json, default: [1]}}' })).toMatch(/can only split strings/);
  });
  it('checks the argument count at validation', () => {
    expect(exprErrors('{str_split: [","]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:26: str_split: arguments must be a list \[delimiter, string, index\?\]/);
  });
  it('does not exist before 2015-10-15', () => {
    expect(evalExpr('{str_split: [",", "a"]}', { version: '2015-04-30' })).toEqual({ str_split: [',', 'a'] });
  });
});
