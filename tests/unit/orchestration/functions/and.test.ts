import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

const C = '{t: true, f: false}';

describe('and', () => {
  it('is true only when all conditions are', () => {
    expect(evalExpr('[{and: [t, true]}, {and: [t, f]}, {and: [{equals: [1, 1]}, t]}]', { conditions: C })).toEqual([true, false, true]);
  });
  it('needs a list of at least two conditions', () => {
    expect(exprErrors('{and: [t]}', { conditions: C })[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:20: and: arguments must be a list of at least two conditions/);
  });
});
