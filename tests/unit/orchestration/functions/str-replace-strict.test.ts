import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('str_replace_strict', () => {
  it('behaves as str_replace when every param is used', () => {
    expect(evalExpr('{str_replace_strict: {template: "a X", params: {X: b}}}')).toBe('a b');
  });
  it('is a validation error when literal params are missing from the template', () => {
    expect(exprErrors('{str_replace_strict: {template: "a X", params: {Y: b, Z: c}}}')).toEqual([
      "FUNCTION_ARGS t.yaml:8:15: str_replace_strict: the following params were not found in the template: 'Y', 'Z' (resources.r.properties.value)",
    ]);
  });
  it('fails at resolution when the violation depends on a parameter', () => {
    expect(evalError('{str_replace_strict: {template: {get_param: T}, params: {Y: b}}}', { params: '{T: {type: string, default: "no y"}}' })).toMatch(
      /^t.yaml:8:15: str_replace_strict: the following params were not found in the template: 'Y'/,
    );
  });
  it('does not exist before 2017-09-01 (plain data, with a warning)', () => {
    expect(evalExpr('{str_replace_strict: {template: "a", params: {}}}', { version: '2017-02-24' })).toEqual({ str_replace_strict: { template: 'a', params: {} } });
  });
});
