import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('map_merge', () => {
  it('merges shallowly, later maps win', () => {
    expect(evalExpr('{map_merge: [{a: 1, n: {x: 1}}, {b: 2, n: {y: 2}}, {a: 3}]}')).toEqual({ a: 3, b: 2, n: { y: 2 } });
  });
  it('merges maps from functions', () => {
    expect(evalExpr('{map_merge: [{get_param: M}, {k: v}]}', { params: '{M: {type: json, default: {a: 1}}}' })).toEqual({ a: 1, k: 'v' });
  });
  it('rejects a literal non-map item at validation and a resolved one at run time', () => {
    expect(exprErrors('{map_merge: [{a: 1}, [b]]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:35: map_merge: arguments must be a list of maps/);
    expect(evalError('{map_merge: [{get_param: L}]}', { params: '{L: {type: comma_delimited_list, default: a}}' })).toMatch(/arguments must be maps/);
  });
  it('is plain data before 2016-04-08', () => {
    expect(evalExpr('{map_merge: [{a: 1}]}', { version: '2015-10-15' })).toEqual({ map_merge: [{ a: 1 }] });
  });
});
