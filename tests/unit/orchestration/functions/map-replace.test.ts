import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('map_replace', () => {
  it('renames keys and replaces whole string values', () => {
    expect(evalExpr('{map_replace: [{k1: v1, k2: v2, k3: [v1]}, {keys: {k1: K1}, values: {v2: V2, v1: V1}}]}')).toEqual({ K1: 'V1', k2: 'V2', k3: ['v1'] });
  });
  it('fails when a renamed key collides with an existing key', () => {
    expect(evalError('{map_replace: [{a: 1, b: 2}, {keys: {a: b}}]}')).toMatch(/key replacement b collides with a key in the input map/);
  });
  it('fails when two keys are renamed to the same name', () => {
    expect(evalError('{map_replace: [{a: 1, b: 2}, {keys: {a: c, b: c}}]}')).toMatch(/key replacement c collides with a key in the output map/);
  });
  it('rejects keys other than keys/values at validation', () => {
    expect(exprErrors('{map_replace: [{a: 1}, {kyes: {a: b}}]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:38: map_replace: unknown key "kyes"/);
  });
});
