import { describe, expect, it } from 'vitest';
import { mergeValue } from '../../../../undercloud/orchestration/environment/index.js';

describe('mergeValue (parameter_merge_strategies)', () => {
  it('overwrite replaces', () => {
    expect(mergeValue({ a: 1 }, { b: 2 }, 'overwrite', 'json')).toEqual({ ok: true, value: { b: 2 } });
  });
  it('merge updates maps one level deep', () => {
    expect(mergeValue({ a: { x: 1 }, k: 1 }, { a: { y: 2 } }, 'merge', 'json')).toEqual({ ok: true, value: { a: { y: 2 }, k: 1 } });
  });
  it('deep_merge merges nested maps and extends nested lists', () => {
    expect(mergeValue({ a: { x: 1, l: [1] } }, { a: { y: 2, l: [2] } }, 'deep_merge', 'json')).toEqual({ ok: true, value: { a: { x: 1, y: 2, l: [1, 2] } } });
  });
  it('merge extends lists and joins comma-delimited strings', () => {
    expect(mergeValue(['a'], ['b'], 'merge', 'comma_delimited_list')).toEqual({ ok: true, value: ['a', 'b'] });
    expect(mergeValue('a,b', 'c', 'merge', 'comma_delimited_list')).toEqual({ ok: true, value: 'a,b,c' });
  });
  it('merge concatenates strings and adds numbers', () => {
    expect(mergeValue('ab', 'cd', 'merge', 'string')).toEqual({ ok: true, value: 'abcd' });
    expect(mergeValue(2, 3, 'merge', 'number')).toEqual({ ok: true, value: 5 });
  });
  it('refuses to merge booleans', () => {
    expect(mergeValue(true, false, 'merge', 'boolean').ok).toBe(false);
  });
  it('infers the shape from the value when the root template does not declare the parameter', () => {
    expect(mergeValue({ a: 1 }, { b: 2 }, 'merge', undefined)).toEqual({ ok: true, value: { a: 1, b: 2 } });
  });
});
