import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('repeat', () => {
  it('renders the template per item, in keys and values', () => {
    expect(evalExpr('{repeat: {for_each: {"<%p%>": [80, 443]}, template: {port: "<%p%>", "k_<%p%>": v}}}')).toEqual([
      { port: '80', k_80: 'v' },
      { port: '443', k_443: 'v' },
    ]);
  });
  it('iterates over all permutations of several variables, in for_each order', () => {
    expect(evalExpr('{repeat: {for_each: {A: [a, b], N: ["1", "2"]}, template: A-N}}')).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
  });
  it('zips the lists with permutations: false', () => {
    expect(evalExpr('{repeat: {for_each: {A: [a, b], N: ["1", "2"]}, template: A-N, permutations: false}}')).toEqual(['a-1', 'b-2']);
  });
  it('fails when zipped lists differ in length', () => {
    expect(evalError('{repeat: {for_each: {A: [a], N: ["1", "2"]}, template: A-N, permutations: false}}')).toMatch(/same length/);
  });
  it('substitutes after resolving the template and the lists', () => {
    expect(evalExpr('{repeat: {for_each: {X: {get_param: L}}, template: {get_param: T}}}', { params: '{L: {type: comma_delimited_list, default: "a,b"}, T: {type: string, default: "<X>"}}' })).toEqual(['<a>', '<b>']);
  });
  it('returns [] for an empty list', () => {
    expect(evalExpr('{repeat: {for_each: {X: []}, template: X}}')).toEqual([]);
  });
  it('rejects a for_each that is not a map of lists', () => {
    expect(exprErrors('{repeat: {for_each: {X: a}, template: X}}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:38: repeat: "for_each.X" must be a list/);
  });
});
