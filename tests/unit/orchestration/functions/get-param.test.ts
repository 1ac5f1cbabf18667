import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

const P = '{S: {type: string, default: x}, J: {type: json, default: {a: {b: [10, 20]}}}, L: {type: comma_delimited_list, default: "p, q"}}';

describe('get_param', () => {
  it('returns values of each type', () => {
    expect(evalExpr('{get_param: S}', { params: P })).toBe('x');
    expect(evalExpr('{get_param: L}', { params: P })).toEqual(['p', 'q']);
  });
  it('indexes into json and list values with a path', () => {
    expect(evalExpr('{get_param: [J, a, b, 1]}', { params: P })).toBe(20);
    expect(evalExpr('{get_param: [J, a, b, "0"]}', { params: P })).toBe(10);
    expect(evalExpr('{get_param: [L, 1]}', { params: P })).toBe('q');
  });
  it("returns '' for a path that misses (Heat's behaviour)", () => {
    expect(evalExpr('{get_param: [J, a, nope]}', { params: P })).toBe('');
    expect(evalExpr('{get_param: [J, a, b, 7]}', { params: P })).toBe('');
  });
  it('resolves the pseudo parameters', () => {
    expect(evalExpr('[{get_param: "OS::stack_name"}, {get_param: "OS::stack_id"}, {get_param: "OS::project_id"}]')).toEqual(['overcloud', 'stack-id', 'project-id']);
  });
  it('accepts a path element that is itself a function', () => {
    expect(evalExpr('{get_param: [J, {get_param: K}, b]}', { params: '{J: {type: json, default: {a: {b: 1}}}, K: {type: string, default: a}}' })).toEqual(1);
  });
  it('reports an undefined parameter at its position', () => {
    expect(exprErrors('{get_param: Nope}')).toEqual(['UNKNOWN_PARAMETER t.yaml:8:26: get_param: the parameter "Nope" is not defined (resources.r.properties.value)']);
  });
  it('rejects a map argument', () => {
    expect(exprErrors('{get_param: {a: b}}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:26: get_param: argument must be/);
  });
});
