import { describe, expect, it } from 'vitest';
import { assembleBatch, memberDefinitions, planBatches, sameDef, type MemberDef } from '../../../../undercloud/orchestration/resources/group-batches.js';

// [target, initial size, max_batch_size, min_in_service, batches as [capacity, updates, members given the new definition]]
// The figures are those of Heat's ResourceGroup batching (member "0" is on the removed list, members are "1".."N").
type Row = [number, number, number, number, [number, number, string[]][]];
const TABLE: Row[] = [
  [4, 4, 1, 0, [[4, 1, ['4']], [4, 1, ['3']], [4, 1, ['2']], [4, 1, ['1']]]],
  [4, 4, 1, 4, [[5, 1, ['5']], [5, 1, ['4']], [5, 1, ['3']], [5, 1, ['2']], [5, 1, ['1']], [4, 0, []]]],
  [4, 4, 2, 0, [[4, 2, ['4', '3']], [4, 2, ['2', '1']]]],
  [4, 4, 2, 4, [[6, 2, ['6', '5']], [6, 2, ['4', '3']], [6, 2, ['2', '1']], [4, 0, []]]],
  [5, 5, 2, 0, [[5, 2, ['5', '4']], [5, 2, ['3', '2']], [5, 1, ['1']]]],
  [3, 3, 2, 4, [[5, 2, ['5', '4']], [5, 2, ['3', '2']], [4, 1, ['1']], [3, 0, []]]],
  [4, 4, 5, 0, [[4, 4, ['4', '3', '2', '1']]]],
  [4, 4, 4, 2, [[6, 4, ['6', '5', '4', '3']], [4, 2, ['2', '1']]]],
  [4, 4, 5, 6, [[8, 4, ['8', '7', '6', '5']], [8, 4, ['4', '3', '2', '1']], [4, 0, []]]],
  [4, 7, 1, 4, [[5, 1, ['4']], [5, 1, ['3']], [5, 1, ['2']], [5, 1, ['1']], [4, 0, []]]],
  [4, 7, 2, 4, [[6, 2, ['4', '3']], [6, 2, ['2', '1']], [4, 0, []]]],
  [5, 7, 2, 4, [[6, 2, ['5', '4']], [6, 2, ['3', '2']], [5, 1, ['1']]]],
  [4, 7, 4, 4, [[8, 4, ['8', '4', '3', '2']], [5, 1, ['1']], [4, 0, []]]],
  [6, 4, 1, 0, [[5, 1, ['5']], [6, 1, ['6']], [6, 1, ['4']], [6, 1, ['3']], [6, 1, ['2']], [6, 1, ['1']]]],
  [6, 4, 2, 0, [[6, 2, ['5', '6']], [6, 2, ['4', '3']], [6, 2, ['2', '1']]]],
  [6, 3, 2, 0, [[5, 2, ['4', '5']], [6, 2, ['6', '3']], [6, 2, ['2', '1']]]],
  [6, 4, 5, 0, [[6, 5, ['5', '6', '4', '3', '2']], [6, 1, ['1']]]],
  [6, 4, 6, 1, [[7, 6, ['5', '6', '7', '4', '3', '2']], [6, 1, ['1']]]],
  [6, 4, 5, 6, [[9, 5, ['9', '8', '7', '6', '5']], [10, 4, ['10', '4', '3', '2']], [7, 1, ['1']], [6, 0, []]]],
];

const OLD: MemberDef = { type: 'OS::Heat::Value', properties: { value: 'old' } };
const NEW: MemberDef = { type: 'OS::Heat::Value', properties: { value: 'new' } };

/** Member names for a capacity, "0" being removed (as in the table). */
const namesFor = (capacity: number) => Array.from({ length: capacity }, (_, i) => String(i + 1));

describe('ResourceGroup batches (Heat rolling_update)', () => {
  it.each(TABLE)('target %i from %i, batch %i, min in service %i: sizes and counts', (target, initial, size, min, batches) => {
    expect(planBatches(target, initial, size, min)).toEqual(batches.map(([capacity, updates]) => ({ capacity, updates })));
  });

  it.each(TABLE)('target %i from %i, batch %i, min in service %i: which members get the new definition, in order', (target, initial, size, min, batches) => {
    let members = new Map(namesFor(initial).map((n) => [n, OLD]));
    let updated = new Set<string>();
    for (const [capacity, updates, names] of batches) {
      const out = assembleBatch(members, { capacity, updates }, target, namesFor, () => NEW);
      expect(out.map(([n]) => n)).toEqual(namesFor(capacity));
      // Members that leave the group drop out; the batch's names join the updated ones.
      updated = new Set([...updated].filter((n) => out.some(([m]) => m === n)));
      for (const n of names) updated.add(n);
      expect(new Set(out.filter(([, d]) => sameDef(d, NEW)).map(([n]) => n))).toEqual(updated);
      members = new Map(out);
    }
    expect([...members.values()].every((d) => sameDef(d, NEW))).toBe(true);
    expect(members.size).toBe(target);
  });

  it('batch_create is the same walk from no members: the group grows by max_batch_size', () => {
    expect(planBatches(5, 0, 2, 0)).toEqual([{ capacity: 2, updates: 2 }, { capacity: 4, updates: 2 }, { capacity: 5, updates: 1 }]);
    expect(planBatches(0, 0, 2, 0)).toEqual([]);
  });

  it('members already up to date keep their definition without using up the batch', () => {
    const old: [string, MemberDef][] = [['2', OLD], ['1', NEW], ['0', OLD]];
    const out = memberDefinitions(old, () => NEW, 3, 1, () => 'x');
    expect(out.filter(([, d]) => sameDef(d, NEW)).map(([n]) => n)).toEqual(['1', '2']);
  });

  it('refuses a batch size below 1 (the schema requires at least 1)', () => {
    expect(() => planBatches(3, 3, 0, 0)).toThrow(RangeError);
  });
});
