import { describe, expect, it } from 'vitest';
import { conditionDependencies, evaluateConditions, parseStack, snippetDependencies, TemplateErrors } from '../../../../undercloud/orchestration/template/index.js';
import { bundleOf } from '../helpers.js';

const T = [
  'heat_template_version: wallaby',
  'parameters:',
  '  Env: {type: string, default: prod}',
  'conditions:',
  '  is_prod: {equals: [{get_param: Env}, prod]}',
  '  not_prod: {not: is_prod}',
  '  both: {and: [is_prod, {not: not_prod}]}',
  'resources:',
  '  a: {type: OS::Heat::Value}',
  '  b: {type: OS::Heat::Value}',
  '  c:',
  '    type: OS::Heat::Value',
  '    properties:',
  '      value: [{get_resource: a}, {get_attr: [b, value]}, {if: [not_prod, {get_resource: b}, x]}]',
].join('\n');

describe('resolve helpers', () => {
  it('finds resource dependencies from get_resource and get_attr (both if branches)', () => {
    const def = parseStack(bundleOf({ 't.yaml': T })).definition;
    expect([...snippetDependencies(def.resources['c']!.properties)].sort()).toEqual(['a', 'b']);
    expect([...conditionDependencies(def.resources['c']!.properties)]).toEqual(['not_prod']);
  });
  it('evaluates conditions that refer to other conditions', () => {
    const r = parseStack(bundleOf({ 't.yaml': T }));
    expect(evaluateConditions(r.definition, r.parameterValues)).toEqual({ is_prod: true, not_prod: false, both: true });
    expect(evaluateConditions(r.definition, { Env: 'dev' })).toEqual({ is_prod: false, not_prod: true, both: false });
  });
  it('reports a cycle between conditions', () => {
    const def = parseStack(bundleOf({ 't.yaml': 'heat_template_version: wallaby\nconditions:\n  a: {not: b}\n  b: {not: a}\n' })).definition;
    expect(() => evaluateConditions(def, {})).toThrow(TemplateErrors);
    try {
      evaluateConditions(def, {});
    } catch (e) {
      expect((e as TemplateErrors).errors[0]?.code).toBe('CONDITION_CYCLE');
    }
  });
});
