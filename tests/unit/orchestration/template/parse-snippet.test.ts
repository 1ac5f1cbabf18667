import { describe, expect, it } from 'vitest';
import { distance } from '../../../../undercloud/orchestration/template/parse-snippet.js';
import { parseStack } from '../../../../undercloud/orchestration/template/index.js';
import { bundleOf, template } from '../helpers.js';

describe('function recognition', () => {
  it('measures near misses with transpositions', () => {
    expect(distance('get_parm', 'get_param')).toBe(1);
    expect(distance('gte_param', 'get_param')).toBe(1);
    expect(distance('list_jion', 'list_join')).toBe(1);
  });
  it('does not warn for ordinary single-key maps', () => {
    for (const expr of ['{name: x}', '{config: x}', '{template: x}', '{values: x}', '{for: x}']) {
      expect(parseStack(bundleOf({ 't.yaml': template(expr) })).warnings).toEqual([]);
    }
  });
  it('warns when a function is used before its version', () => {
    const w = parseStack(bundleOf({ 't.yaml': template('{list_concat: [[a]]}', { version: '2016-10-14' }) })).warnings;
    expect(w.map((x) => [x.code, x.pos.line, x.pos.col])).toEqual([['FUNCTION_NOT_IN_VERSION', 8, 15]]);
  });
});
