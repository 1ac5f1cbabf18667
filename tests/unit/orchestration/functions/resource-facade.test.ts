import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

describe('resource_facade', () => {
  it("reads the parent resource's sections", () => {
    expect(evalExpr('[{resource_facade: deletion_policy}, {resource_facade: metadata}]')).toEqual(['Retain', { m: 1 }]);
  });
  it('rejects other sections', () => {
    expect(exprErrors('{resource_facade: properties}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:32: resource_facade: argument must be one of metadata, deletion_policy, update_policy/);
  });
});
