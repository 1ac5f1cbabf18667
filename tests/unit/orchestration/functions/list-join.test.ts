import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('list_join', () => {
  it('joins one or several lists', () => {
    expect(evalExpr('{list_join: [", ", [a, b], [c]]}')).toBe('a, b, c');
  });
  it('json-serialises maps and lists (sorted keys, Python separators) and null as empty', () => {
    expect(evalExpr('{list_join: ["|", [{b: 1, a: [true, null]}, [x], null]]}')).toBe('{"a": [true, null], "b": 1}|["x"]|');
  });
  it('fails on numbers at run time, as Heat does', () => {
    expect(evalError('{list_join: [",", [1]]}')).toMatch(/list_join: items to join must be strings, maps or lists/);
  });
  it('rejects a non-string delimiter and a non-list item at validation', () => {
    expect(exprErrors('{list_join: [1, [a]]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:27: list_join: the delimiter must be a string/);
    expect(exprErrors('{list_join: [",", a]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:32: list_join: items after the delimiter must be lists/);
  });
  it('joins a list that comes from a parameter', () => {
    expect(evalExpr('{list_join: ["-", {get_param: L}]}', { params: '{L: {type: comma_delimited_list, default: "a,b"}}' })).toBe('a-b');
  });
});
