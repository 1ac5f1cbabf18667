import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

const y = (expression: string, data: string): string => `{yaql: {expression: ${JSON.stringify(expression)}, data: ${data}}}`;

describe('yaql (subset)', () => {
  it('navigates $.data', () => {
    expect(evalExpr(y('$.data.a.b[1]', '{a: {b: [x, y]}}'))).toBe('y');
  });
  it('filters and maps with where/select, $ bound to the item', () => {
    expect(evalExpr(y("$.data.nodes.where($.role = 'compute').select($.name)", '{nodes: [{name: n1, role: compute}, {name: n2, role: ctl}, {name: n3, role: compute}]}'))).toEqual(['n1', 'n3']);
  });
  it('supports collection functions', () => {
    expect(evalExpr(y('$.data.m.values().flatten().distinct()', '{m: {a: [1, 2], b: [2, 3]}}'))).toEqual([1, 2, 3]);
    expect(evalExpr(y('$.data.l.len() + 1', '{l: [a, b]}'))).toBe(3);
    expect(evalExpr(y("$.data.l.join(',')", '{l: [a, b]}'))).toBe('a,b');
    expect(evalExpr(y("dict($.data.l.select([$, $.toUpper()]))", '{l: [a]}'))).toEqual({ a: 'A' });
    expect(evalExpr(y('$.data.x in $.data.l and not $.data.f', '{x: a, l: [a], f: false}'))).toBe(true);
    expect(evalExpr(y('coalesce($.data.missing, $.data.d)', '{d: 7}'))).toBe(7);
  });
  it('reports syntax errors and unsupported functions at validation with the position', () => {
    expect(exprErrors(y('$.data.(', '{}'))[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:34: yaql: expected a name after "."/);
    expect(exprErrors(y('$.data.groupBy($)', '{}'))[0]).toMatch(/yaql: unsupported yaql function\(s\) groupBy\(\)/);
  });
  it('fails at run time on bad data', () => {
    expect(evalError(y('$.data.a + 1', '{a: x}'))).toMatch(/yaql: cannot add/);
  });
});
