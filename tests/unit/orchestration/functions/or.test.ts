import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

const C = '{t: true, f: false}';

describe('or', () => {
  it('is true when any condition is', () => {
    expect(evalExpr('[{or: [f, t]}, {or: [f, false]}]', { conditions: C })).toEqual([true, false]);
  });
  it('reports unknown condition names inside', () => {
    expect(exprErrors('{or: [f, ghost]}', { conditions: C })[0]).toMatch(/^UNKNOWN_CONDITION t.yaml:8:23: the condition "ghost" is not defined/);
  });
});
