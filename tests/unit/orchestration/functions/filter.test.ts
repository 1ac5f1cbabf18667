import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

describe('filter', () => {
  it('removes the given values', () => {
    expect(evalExpr('{filter: [[b, null], [a, b, null, c, b]]}')).toEqual(['a', 'c']);
  });
  it('removes maps by deep equality', () => {
    expect(evalExpr('{filter: [[{k: 1}], [{k: 1}, {k: 2}]]}')).toEqual([{ k: 2 }]);
  });
  it('checks the argument count', () => {
    expect(exprErrors('{filter: [[a]]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:23: filter: arguments must be a list \[values_to_remove, list\]/);
  });
  it('is plain data before 2017-02-24', () => {
    expect(evalExpr('{filter: [[a], [a]]}', { version: '2016-10-14' })).toEqual({ filter: [['a'], ['a']] });
  });
});
