import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

describe('str_replace_vstrict', () => {
  it('rejects empty literal values at validation', () => {
    expect(exprErrors('{str_replace_vstrict: {template: "a X Y", params: {X: "", Y: null}}}')).toEqual([
      "FUNCTION_ARGS t.yaml:8:15: str_replace_vstrict: the following params have empty values: 'X', 'Y' (resources.r.properties.value)",
    ]);
  });
  it('also applies the strict check', () => {
    expect(exprErrors('{str_replace_vstrict: {template: "a", params: {X: "v"}}}')[0]).toMatch(/were not found in the template: 'X'/);
  });
  it('replaces when everything is present and non-empty', () => {
    expect(evalExpr('{str_replace_vstrict: {template: "a X", params: {X: v}}}')).toBe('a v');
  });
  it('is not a function before 2018-03-02', () => {
    expect(evalExpr('{str_replace_vstrict: {template: "a", params: {}}}', { version: '2017-09-01' })).toEqual({ str_replace_vstrict: { template: 'a', params: {} } });
  });
});
