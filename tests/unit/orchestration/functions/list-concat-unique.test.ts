import { describe, expect, it } from 'vitest';
import { evalExpr } from '../helpers.js';

describe('list_concat_unique', () => {
  it('drops repeated items, keeping the first (deep equality)', () => {
    expect(evalExpr('{list_concat_unique: [[a, {x: 1}], [a, b, {x: 1}]]}')).toEqual(['a', { x: 1 }, 'b']);
  });
  it('is plain data before 2018-03-02', () => {
    expect(evalExpr('{list_concat_unique: [[a]]}', { version: '2017-09-01' })).toEqual({ list_concat_unique: [['a']] });
  });
});
