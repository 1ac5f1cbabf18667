import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('get_attr', () => {
  it('returns an attribute and indexes a nested path', () => {
    const attrs = { 'other.value': { a: [1, { b: 'deep' }] } };
    expect(evalExpr('{get_attr: [other, value]}', { attrs })).toEqual({ a: [1, { b: 'deep' }] });
    expect(evalExpr('{get_attr: [other, value, a, 1, b]}', { attrs })).toBe('deep');
  });
  it('is unknown (undefined) while the resource has no value, and that propagates', () => {
    expect(evalExpr('{get_attr: [other, value]}')).toBeUndefined();
    expect(evalExpr('{list_join: [",", [a, {get_attr: [other, value]}]]}')).toBeUndefined();
  });
  it('returns all attributes without an attribute name (2015-10-15+)', () => {
    expect(evalExpr('{get_attr: [other]}', { attrs: { 'other.value': 1, 'other.show': 2 } })).toEqual({ value: 1, show: 2 });
  });
  it('needs an attribute name before 2015-10-15', () => {
    expect(exprErrors('{get_attr: [other]}', { version: '2015-04-30' })[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:25: get_attr: arguments must be a list \[resource, attribute, path...\]/);
  });
  it('reports an unknown resource', () => {
    expect(exprErrors('{get_attr: [ghost, value]}')[0]).toMatch(/^UNKNOWN_RESOURCE t.yaml:8:26:/);
  });
});
