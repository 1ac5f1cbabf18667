import { afterEach, describe, expect, it } from 'vitest';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';

let h: Harness;
afterEach(() => h?.close());

const simple = `heat_template_version: wallaby
parameters:
  greeting: {type: string, default: hello}
resources:
  a:
    type: OS::Heat::Value
    properties: {value: {get_param: greeting}}
  b:
    type: OS::Heat::Value
    properties:
      value: {list_join: ['-', [{get_attr: [a, value]}, world]]}
  secret:
    type: OS::Heat::RandomString
    properties: {length: 12}
outputs:
  joined: {value: {get_attr: [b, value]}}
  secret: {value: {get_attr: [secret, value]}}
`;

describe('engine: create, no-op update, update in place', () => {
  it('creates resources in dependency order and resolves outputs', async () => {
    h = harness();
    const stack = await h.deploy('s', bundleOf({ 'overcloud.yaml': simple }));
    expect(`${stack.action}_${stack.status}`).toBe('CREATE_COMPLETE');
    expect(stack.outputs?.joined).toBe('hello-world');
    expect(String(stack.outputs?.secret)).toHaveLength(12);
    const events = h.engine.events('s').map((e) => `${e.data.resource ?? ''}:${e.kind}`);
    expect(events.indexOf('b:stack.resource.CREATE_IN_PROGRESS')).toBeGreaterThan(events.indexOf('a:stack.resource.CREATE_COMPLETE'));
  });

  it('a no-op update writes no resource row and keeps RandomString', async () => {
    h = harness();
    const first = await h.deploy('s', bundleOf({ 'overcloud.yaml': simple }));
    const rowsBefore = h.engine.persister.stats.rows;
    const second = await h.deploy('s', bundleOf({ 'overcloud.yaml': simple }));
    expect(`${second.action}_${second.status}`).toBe('UPDATE_COMPLETE');
    expect(h.engine.persister.stats.rows).toBe(rowsBefore);
    expect(second.outputs?.secret).toBe(first.outputs?.secret);
    const resEvents = h.engine.events('s').filter((e) => e.kind.startsWith('stack.resource.UPDATE'));
    expect(resEvents).toHaveLength(0);
  });

  it('a changed parameter updates the dependent resources in place', async () => {
    h = harness();
    const first = await h.deploy('s', bundleOf({ 'overcloud.yaml': simple }));
    const second = await h.deploy('s', bundleOf({ 'overcloud.yaml': simple }), { greeting: 'bye' });
    expect(second.outputs?.joined).toBe('bye-world');
    expect(second.outputs?.secret).toBe(first.outputs?.secret);
    const updated = h.engine.events('s').filter((e) => e.kind === 'stack.resource.UPDATE_COMPLETE').map((e) => e.data.resource);
    expect(updated.sort()).toEqual(['a', 'b']);
  });
});
