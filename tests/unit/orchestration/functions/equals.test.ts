import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

describe('equals', () => {
  it('compares deeply', () => {
    expect(evalExpr('{equals: [{a: [1, 2]}, {a: [1, 2]}]}')).toBe(true);
    expect(evalExpr('{equals: [{a: [1, 2]}, {a: [2, 1]}]}')).toBe(false);
  });
  it('compares coerced parameter values', () => {
    expect(evalExpr('{equals: [{get_param: N}, 3]}', { params: '{N: {type: number, default: "3"}}' })).toBe(true);
  });
  it('needs exactly two arguments', () => {
    expect(exprErrors('{equals: [a]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:23: equals: arguments must be a list of two values/);
  });
});
