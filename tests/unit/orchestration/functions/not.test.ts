import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

const C = '{t: true, f: {equals: [a, b]}}';

describe('not', () => {
  it('negates a condition name, a boolean and a condition function', () => {
    expect(evalExpr('[{not: t}, {not: false}, {not: {equals: [a, a]}}]', { conditions: C })).toEqual([false, true, false]);
  });
  it('reports an unknown condition name', () => {
    expect(exprErrors('{not: nope}', { conditions: C })[0]).toMatch(/^UNKNOWN_CONDITION t.yaml:8:20: the condition "nope" is not defined/);
  });
});
