import { describe, expect, it } from 'vitest';
import { exprErrors } from '../helpers.js';

describe('removed CloudFormation functions', () => {
  it('are validation errors naming the HOT equivalent', () => {
    expect(exprErrors('{"Fn::Join": [",", [a]]}')[0]).toMatch(/^FUNCTION_REMOVED t.yaml:8:15: Fn::Join is not supported in HOT templates \(removed in 2014-10-16\); use list_join/);
    expect(exprErrors('{Ref: other}')[0]).toMatch(/^FUNCTION_REMOVED t.yaml:8:15: Ref is not supported/);
  });
});
