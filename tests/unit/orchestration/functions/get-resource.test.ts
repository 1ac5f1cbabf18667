import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

describe('get_resource', () => {
  it("returns the resource's reference id", () => {
    expect(evalExpr('{get_resource: other}')).toBe('other-id');
  });
  it('reports an unknown resource at the name', () => {
    expect(exprErrors('{get_resource: ghost}')).toEqual(['UNKNOWN_RESOURCE t.yaml:8:29: get_resource: the resource "ghost" is not defined (resources.r.properties.value)']);
  });
  it('rejects a non-string argument', () => {
    expect(exprErrors('{get_resource: [other]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:29:/);
  });
});
