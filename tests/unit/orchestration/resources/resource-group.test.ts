import { describe, expect, it } from 'vitest';
import { planMembers, substituteIndex } from '../../../../undercloud/orchestration/resources/resource-group.js';
import { memberAttribute } from '../../../../undercloud/orchestration/resources/members.js';
import type { ResourceSnapshot } from '../../../../undercloud/orchestration/resources/types.js';

const snap = (removed: string[], refsMap: Record<string, string> = {}): ResourceSnapshot => ({
  name: 'g', type: 'OS::Heat::ResourceGroup', refId: 'x', handle: { removed }, attributes: { refs_map: refsMap }, properties: {},
});

describe('ResourceGroup members', () => {
  it('names members 0..count-1', () => {
    expect(planMembers({ count: 3, removal_policies: [], removal_policies_mode: 'append' }, undefined).names).toEqual(['0', '1', '2']);
  });

  it('scale down without policies drops the highest names', () => {
    expect(planMembers({ count: 2, removal_policies: [], removal_policies_mode: 'append' }, snap([])).names).toEqual(['0', '1']);
  });

  it('removal_policies remove the listed names (or reference ids) and never reuse them', () => {
    const p = planMembers({ count: 2, removal_policies: [{ resource_list: ['0', 'ref-2'] }], removal_policies_mode: 'append' }, snap([], { '0': 'ref-0', '1': 'ref-1', '2': 'ref-2' }));
    expect(p.removed.sort()).toEqual(['0', '2']);
    expect(p.names).toEqual(['1', '3']);
  });

  it('append mode accumulates removed names; update mode replaces them', () => {
    const prev = snap(['0']);
    expect(planMembers({ count: 2, removal_policies: [{ resource_list: ['1'] }], removal_policies_mode: 'append' }, prev).names).toEqual(['2', '3']);
    expect(planMembers({ count: 2, removal_policies: [{ resource_list: ['1'] }], removal_policies_mode: 'update' }, prev).names).toEqual(['0', '2']);
  });

  it('substitutes index_var in strings and keys', () => {
    expect(substituteIndex({ name: 'host-%index%', 'k%index%': ['%index%', 3] }, '%index%', '7')).toEqual({ name: 'host-7', k7: ['7', 3] });
  });

  it('answers refs, attributes, resource.N and member attribute lists', () => {
    const s: ResourceSnapshot = {
      name: 'g', type: 'OS::Heat::ResourceGroup', refId: 'x', handle: undefined, properties: {},
      attributes: { refs: ['a', 'b'], refs_map: { '0': 'a', '1': 'b' }, member_order: ['0', '1'], members: { '0': { ip: '10.0.0.1', nets: { ctl: ['1.1.1.1'] } }, '1': { ip: '10.0.0.2', nets: { ctl: ['2.2.2.2'] } } } },
    };
    expect(memberAttribute(s, 'refs', [])).toEqual(['a', 'b']);
    expect(memberAttribute(s, 'ip', [])).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(memberAttribute(s, 'attributes', ['ip'])).toEqual({ '0': '10.0.0.1', '1': '10.0.0.2' });
    expect(memberAttribute(s, 'resource.1.ip', [])).toBe('10.0.0.2');
    expect(memberAttribute(s, 'resource.0.nets', ['ctl', 0])).toBe('1.1.1.1');
    expect(memberAttribute(s, 'resource.1', [])).toBe('b');
    expect(memberAttribute(s, 'resource.9.ip', [])).toBeUndefined();
  });
});
