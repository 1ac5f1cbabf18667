import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

describe('get_file', () => {
  it("is replaced by the file's text from the bundle", () => {
    expect(evalExpr('{get_file: scripts/run.sh}', { files: { 'scripts/run.sh': '#!/bin/sh\necho hi\n' } })).toBe('#!/bin/sh\necho hi\n');
  });
  it('reports a file missing from the bundle at the path', () => {
    expect(exprErrors('{get_file: nope.sh}')[0]).toMatch(/^FILE_MISSING t.yaml:8:25: get_file: "nope.sh"/);
  });
  it('reports a path escaping the template tree', () => {
    expect(exprErrors('{get_file: ../../etc/passwd}')[0]).toMatch(/^FILE_OUTSIDE_TREE t.yaml:8:25: get_file: "..\/..\/etc\/passwd" is outside the template tree/);
  });
  it('rejects a computed path (the client must be able to read it)', () => {
    expect(exprErrors('{get_file: {get_param: "OS::stack_name"}}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:26: get_file: argument must be a literal file path/);
  });
});
