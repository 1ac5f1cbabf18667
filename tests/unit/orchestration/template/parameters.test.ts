import { describe, expect, it } from 'vitest';
import { checkConstraints, coerceParameter } from '../../../../undercloud/orchestration/template/parameters.js';
import type { ParameterDef } from '../../../../undercloud/orchestration/template/index.js';
import { parseStack } from '../../../../undercloud/orchestration/template/index.js';
import { bundleOf, errorsOf } from '../helpers.js';

const pos = { file: 't.yaml', line: 1, col: 1 };
const def = (type: ParameterDef['type'], constraints: [ParameterDef['constraints'][number]['kind'], unknown][]): ParameterDef => ({
  name: 'p',
  type,
  hidden: false,
  immutable: false,
  tags: [],
  constraints: constraints.map(([kind, spec]) => ({ kind, spec: spec as never, pos })),
  pos,
});

describe('coerceParameter', () => {
  it('accepts the boolean spellings t/true/on/y/yes/1 and their negations', () => {
    for (const v of ['t', 'True', 'on', 'y', 'YES', '1', 1, true]) expect(coerceParameter('boolean', v)).toEqual({ ok: true, value: true });
    for (const v of ['f', 'false', 'off', 'n', 'no', '0', 0, false]) expect(coerceParameter('boolean', v)).toEqual({ ok: true, value: false });
    expect(coerceParameter('boolean', 'maybe').ok).toBe(false);
  });
  it('parses numbers, lists and json from strings', () => {
    expect(coerceParameter('number', '4.5')).toEqual({ ok: true, value: 4.5 });
    expect(coerceParameter('number', 'x').ok).toBe(false);
    expect(coerceParameter('comma_delimited_list', ' a, b ,c')).toEqual({ ok: true, value: ['a', 'b', 'c'] });
    expect(coerceParameter('comma_delimited_list', '')).toEqual({ ok: true, value: [] });
    expect(coerceParameter('json', '{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(coerceParameter('json', 'nope').ok).toBe(false);
    expect(coerceParameter('string', 5)).toEqual({ ok: true, value: '5' });
    expect(coerceParameter('string', { a: 1 }).ok).toBe(false);
  });
});

describe('checkConstraints', () => {
  it('checks length, range, modulo, allowed_values and allowed_pattern', () => {
    expect(checkConstraints(def('string', [['length', { min: 2, max: 3 }]]), 'abcd').map((v) => v.message)).toEqual(['length must be at most 3 (is 4)']);
    expect(checkConstraints(def('number', [['range', { min: 1 }]]), 0).map((v) => v.message)).toEqual(['0 is below the minimum 1']);
    expect(checkConstraints(def('number', [['modulo', { step: 2, offset: 1 }]]), 4)).toHaveLength(1);
    expect(checkConstraints(def('number', [['modulo', { step: 2, offset: 1 }]]), 5)).toHaveLength(0);
    expect(checkConstraints(def('comma_delimited_list', [['allowed_values', ['a', 'b']]]), ['a', 'c']).map((v) => v.message)).toEqual(['"c" not in allowed values [a, b]']);
    expect(checkConstraints(def('comma_delimited_list', [['length', { max: 1 }]]), ['a', 'c'])).toHaveLength(1);
  });
  it('requires allowed_pattern to match the whole value (re.match + end check)', () => {
    expect(checkConstraints(def('string', [['allowed_pattern', '[a-z]+']]), 'abc1')).toHaveLength(1);
    expect(checkConstraints(def('string', [['allowed_pattern', '[a-z]+']]), 'abc')).toHaveLength(0);
  });
  it('accepts custom_constraint unchecked', () => {
    expect(checkConstraints(def('string', [['custom_constraint', 'nova.flavor']]), 'x')).toHaveLength(0);
  });
});

describe('parameter values in parseStack', () => {
  it('points a bad environment value at its key and hides hidden values', () => {
    const files = {
      't.yaml': 'heat_template_version: wallaby\nparameters:\n  P: {type: number, hidden: true, constraints: [{range: {max: 3}}]}\n',
      'e.yaml': 'parameter_defaults:\n  P: 9\n',
    };
    expect(errorsOf(files, {}, 't.yaml', ['e.yaml'])).toEqual(['PARAMETER_CONSTRAINT e.yaml:2:3']);
    expect(() => parseStack(bundleOf(files, 't.yaml', ['e.yaml']))).toThrow('e.yaml:2:3: parameter "P" environment value ******: violates the range constraint');
  });
  it('rejects environment `parameters` the root template does not define', () => {
    const files = { 't.yaml': 'heat_template_version: wallaby\n', 'e.yaml': 'parameters:\n  Ghost: 1\nparameter_defaults:\n  AlsoGhost: 1\n' };
    expect(errorsOf(files, {}, 't.yaml', ['e.yaml'])).toEqual(['UNKNOWN_PARAMETER e.yaml:2:3']);
  });
});
