import { describe, expect, it } from 'vitest';
import { evalExpr, exprErrors } from '../helpers.js';

const C = '{t: true, f: false}';

describe('if', () => {
  it('picks a branch by condition name, boolean or inline condition', () => {
    expect(evalExpr('[{if: [t, a, b]}, {if: [f, a, b]}, {if: [{equals: [1, 2]}, a, b]}]', { conditions: C })).toEqual(['a', 'b', 'b']);
  });
  it('resolves only the chosen branch', () => {
    expect(evalExpr('{if: [t, ok, {get_attr: [other, value]}]}', { conditions: C })).toBe('ok');
  });
  it('2-argument form drops the enclosing list item or map entry when false (2021-04-16)', () => {
    expect(evalExpr('{l: [a, {if: [f, b]}, {if: [t, c]}], m: {k: {if: [f, v]}, j: 1}}', { conditions: C })).toEqual({ l: ['a', 'c'], m: { j: 1 } });
  });
  it('requires three arguments before 2021-04-16', () => {
    expect(exprErrors('{if: [t, a]}', { conditions: C, version: '2018-08-31' })[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:19: if: arguments must be a list \[condition, value_if_true, value_if_false\]/);
  });
  it('reports an unknown condition', () => {
    expect(exprErrors('{if: [nope, a, b]}', { conditions: C })[0]).toMatch(/^UNKNOWN_CONDITION t.yaml:8:20:/);
  });
});
