import { describe, expect, it } from 'vitest';
import { errorsOf, evalExpr, exprErrors } from '../helpers.js';

describe('get_attr', () => {
  it('returns an attribute and indexes a nested path', () => {
    const attrs = { 'other.value': { a: [1, { b: 'deep' }] } };
    expect(evalExpr('{get_attr: [other, value]}', { attrs })).toEqual({ a: [1, { b: 'deep' }] });
    expect(evalExpr('{get_attr: [other, value, a, 1, b]}', { attrs })).toBe('deep');
  });
  it('is unknown (undefined) while the resource has no value, and that propagates', () => {
    expect(evalExpr('{get_attr: [other, value]}')).toBeUndefined();
    expect(evalExpr('{list_join: [",", [a, {get_attr: [other, value]}]]}')).toBeUndefined();
  });
  it('returns all attributes without an attribute name (2015-10-15+)', () => {
    expect(evalExpr('{get_attr: [other]}', { attrs: { 'other.value': 1, 'other.show': 2 } })).toEqual({ value: 1, show: 2 });
  });
  it('needs an attribute name before 2015-10-15', () => {
    expect(exprErrors('{get_attr: [other]}', { version: '2015-04-30' })[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:25: get_attr: arguments must be a list \[resource, attribute, path...\]/);
  });
  it("checks a template resource's attributes against its outputs", () => {
    const files = { 'n.yaml': 'heat_template_version: wallaby\noutputs:\n  out: {value: 1}\n' };
    const t = (attr: string): string =>
      `heat_template_version: wallaby\nresources:\n  n: {type: n.yaml}\n  r: {type: OS::Heat::Value, properties: {value: {get_attr: [n, ${attr}]}}}\n`;
    expect(errorsOf({ 't.yaml': t('out'), ...files })).toEqual([]);
    expect(errorsOf({ 't.yaml': t('OS::stack_id'), ...files })).toEqual([]);
    expect(errorsOf({ 't.yaml': t('resource.x.y'), ...files })).toEqual([]);
    expect(errorsOf({ 't.yaml': t('nope'), ...files })).toEqual(['UNKNOWN_ATTRIBUTE t.yaml:4:65']);
  });
  it('checks attributes of plugin types when the engine names them', () => {
    const t = 'heat_template_version: wallaby\nresources:\n  a: {type: OS::Heat::Value}\n  r: {type: OS::Heat::Value, properties: {value: {get_attr: [a, valeu]}}}\n';
    expect(errorsOf({ 't.yaml': t }, { attributeNames: (type) => (type === 'OS::Heat::Value' ? ['value'] : undefined) })).toEqual(['UNKNOWN_ATTRIBUTE t.yaml:4:65']);
  });
  it('reports an unknown resource', () => {
    expect(exprErrors('{get_attr: [ghost, value]}')[0]).toMatch(/^UNKNOWN_RESOURCE t.yaml:8:26:/);
  });
});
