import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('list_concat', () => {
  it('concatenates lists and keeps duplicates', () => {
    expect(evalExpr('{list_concat: [[a, b], [b], [], {get_param: L}]}', { params: '{L: {type: comma_delimited_list, default: "c"}}' })).toEqual(['a', 'b', 'b', 'c']);
  });
  it('rejects non-list items', () => {
    expect(exprErrors('{list_concat: [[a], b]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:34: list_concat: arguments must be lists/);
    expect(evalError('{list_concat: [{get_param: S}]}', { params: '{S: {type: string, default: x}}' })).toMatch(/arguments must be lists/);
  });
  it('is plain data before 2017-09-01', () => {
    expect(evalExpr('{list_concat: [[a]]}', { version: '2017-02-24' })).toEqual({ list_concat: [['a']] });
  });
});
