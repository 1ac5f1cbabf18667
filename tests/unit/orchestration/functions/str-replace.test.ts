import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

describe('str_replace', () => {
  it('replaces every occurrence', () => {
    expect(evalExpr('{str_replace: {template: "a_X_b_X", params: {X: y}}}')).toBe('a_y_b_y');
  });
  it('replaces longer keys first and never rescans replaced text', () => {
    expect(evalExpr('{str_replace: {template: "ab a", params: {a: "ab", ab: "Z"}}}')).toBe('Z ab');
    expect(evalExpr('{str_replace: {template: "$a", params: {"$a": "$b", "$b": "no"}}}')).toBe('$b');
  });
  it('turns numbers, booleans, null, maps and lists into text as Python does', () => {
    expect(evalExpr('{str_replace: {template: "n b x m l", params: {n: 5, b: true, x: null, m: {z: 1, a: [1, "é"]}, l: [1]}}}')).toBe('5 True  {"a": [1, "\\u00e9"], "z": 1} [1]');
  });
  it('rejects a template that is not a string', () => {
    expect(exprErrors('{str_replace: {template: [a], params: {}}}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:39: str_replace: "template" must be a string/);
  });
  it('rejects unknown and missing arguments', () => {
    const e = exprErrors('{str_replace: {template: a, parms: {}}}');
    expect(e.map((m) => m.split(' (')[0])).toEqual(['FUNCTION_ARGS t.yaml:8:15: str_replace: missing argument "params"', 'FUNCTION_ARGS t.yaml:8:42: str_replace: unknown argument "parms"']);
  });
  it('resolves params from functions', () => {
    expect(evalExpr('{str_replace: {template: "host-%i%", params: {"%i%": {get_param: I}}}}', { params: '{I: {type: number, default: 3}}' })).toBe('host-3');
  });
});
