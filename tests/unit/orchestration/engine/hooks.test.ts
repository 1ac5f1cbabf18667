import { afterEach, describe, expect, it } from 'vitest';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';
import type { PendingHook } from '../../../../undercloud/orchestration/engine/engine.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const head = 'heat_template_version: wallaby\n';

const root = (tag: string) => `${head}resources:
  Compute:
    type: OS::Heat::ResourceGroup
    properties:
      count: 2
      resource_def: {type: OS::TripleO::Compute, properties: {Name: 'c-%index%', Tag: ${tag}}}
  Other: {type: OS::Heat::Value, properties: {value: ${tag}}}
`;
const member = `${head}parameters:\n  Name: {type: string}\n  Tag: {type: string}
resources:
  Server: {type: OS::TripleO::Server, properties: {name: {get_param: Name}, metadata: {tag: {get_param: Tag}}}}
  After: {type: OS::Heat::Value, properties: {value: {get_attr: [Server, name]}}}
`;

function bundle(hooksEnv: string, tag = 'a') {
  return bundleOf(
    { 'overcloud.yaml': root(tag), 'member.yaml': member, 'reg.yaml': 'resource_registry:\n  OS::TripleO::Compute: member.yaml\n', 'hooks.yaml': hooksEnv },
    { environments: ['reg.yaml', 'hooks.yaml'] },
  );
}

async function pausedAt(hh: Harness, n: number): Promise<PendingHook[]> {
  for (let i = 0; i < 200; i++) {
    const p = hh.engine.hooks('s');
    if (p.length >= n) return p.sort((a, b) => (a.resource < b.resource ? -1 : 1));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`not paused at ${n} hooks: ${JSON.stringify(hh.engine.hooks('s'))}`);
}

describe('hooks (breakpoints)', () => {
  it('pre-create pauses nested resources until cleared; the rest of the stack goes on', async () => {
    h = harness();
    const env = 'resource_registry:\n  resources:\n    Compute:\n      "*":\n        Server: {hooks: pre-create}\n';
    h.engine.createStack({ name: 's', bundle: bundle(env) });
    expect(await pausedAt(h, 2)).toEqual([{ resource: 'Compute/0/Server', hook: 'pre-create' }, { resource: 'Compute/1/Server', hook: 'pre-create' }]);
    await new Promise((r) => setTimeout(r, 50));
    const rows = h.engine.resources('s', true);
    expect(rows.find((r) => r.name === 'Other')!.status).toBe('COMPLETE');
    const paused = rows.filter((r) => r.name === 'Server');
    expect(paused.map((r) => `${r.action}_${r.status}: ${r.statusReason}`)).toEqual(Array(2).fill('INIT_COMPLETE: CREATE paused until Hook pre-create is cleared'));
    expect(h.servers.count).toBe(0);
    expect(h.engine.get('s').stack.status).toBe('IN_PROGRESS');

    expect(h.engine.signalResource('s', 'Compute/1/Server', { unset_hook: 'pre-create' }).cleared).toEqual([{ resource: 'Compute/1/Server', hook: 'pre-create' }]);
    expect(await pausedAt(h, 1)).toEqual([{ resource: 'Compute/0/Server', hook: 'pre-create' }]);
    h.engine.signalResource('s', 'Compute/*/Server', { unset_hook: null });
    const s = (await h.engine.wait('s'))!;
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
    expect(h.servers.count).toBe(2);
    const reasons = h.engine.events('s').filter((e) => (e.data as { resource?: string }).resource === 'Server').map((e) => (e.data as { reason: string }).reason);
    expect(reasons.filter((r) => r === 'Hook pre-create is cleared')).toHaveLength(2);
  });

  it('pre-update pauses only resources that change; pre-delete pauses the delete', async () => {
    h = harness();
    const env = 'resource_registry:\n  resources:\n    "Oth*": {hooks: [pre-update, pre-delete]}\n    Compute: {hooks: [pre-update]}\n';
    await h.deploy('s', bundle(env));
    // A no-op update meets no breakpoint.
    const same = await h.deploy('s', bundle(env));
    expect(`${same.action}_${same.status}`).toBe('UPDATE_COMPLETE');
    h.engine.updateStack({ name: 's', bundle: bundle(env, 'b') });
    expect(await pausedAt(h, 2)).toEqual([{ resource: 'Compute', hook: 'pre-update' }, { resource: 'Other', hook: 'pre-update' }]);
    // While paused the resource keeps its state.
    expect(h.engine.resources('s', false).map((r) => `${r.name} ${r.action}_${r.status}`)).toEqual(['Compute CREATE_COMPLETE', 'Other CREATE_COMPLETE']);
    h.engine.signalResource('s', '*', { unset_hook: 'pre-update' });
    const s = (await h.engine.wait('s'))!;
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('UPDATE_COMPLETE');

    h.engine.deleteStack('s');
    expect(await pausedAt(h, 1)).toEqual([{ resource: 'Other', hook: 'pre-delete' }]);
    h.engine.signalResource('s', 'Other', { unset_hook: 'pre-delete' });
    await h.engine.wait('s');
    expect(h.engine.findStack('s')).toBeUndefined();
  });

  it('post-create pauses after the resource is created, before what depends on it', async () => {
    h = harness();
    const env = 'resource_registry:\n  resources:\n    Compute:\n      "0":\n        Server: {hooks: post-create}\n';
    h.engine.createStack({ name: 's', bundle: bundle(env) });
    expect(await pausedAt(h, 1)).toEqual([{ resource: 'Compute/0/Server', hook: 'post-create' }]);
    h.engine.persister.flush();
    const rows = h.engine.resources('s', true).filter((r) => r.stackName === 's-Compute-0');
    expect(rows.map((r) => `${r.name} ${r.action}_${r.status}`)).toEqual(['Server CREATE_COMPLETE']);
    h.engine.signalResource('s', 'Compute/0/Server', { unset_hook: 'post-create' });
    expect(`${(await h.engine.wait('s'))!.status}`).toBe('COMPLETE');
  });

  it('clearing what is not paused, or an unknown hook, is refused; cancel ends a paused stack', async () => {
    h = harness();
    const env = 'resource_registry:\n  resources:\n    Other: {hooks: pre-create}\n';
    h.engine.createStack({ name: 's', bundle: bundle(env) });
    await pausedAt(h, 1);
    expect(() => h!.engine.signalResource('s', 'Other', { unset_hook: 'pre-delete' })).toThrow(expect.objectContaining({ code: 'HOOK_NOT_PENDING' }));
    expect(() => h!.engine.signalResource('s', 'Other', { unset_hook: 'pre-launch' })).toThrow(expect.objectContaining({ code: 'HOOK_INVALID' }));
    expect(() => h!.engine.signalResource('s', 'Other', { data: 1 })).toThrow(expect.objectContaining({ code: 'RESOURCE_NOT_SIGNALLABLE' }));
    expect(() => h!.engine.signalResource('s', 'Nope', { data: 1 })).toThrow(expect.objectContaining({ code: 'RESOURCE_NOT_FOUND' }));
    h.engine.cancel('s');
    const s = (await h.engine.wait('s'))!;
    expect(`${s.action}_${s.status}`).toBe('CREATE_FAILED');
    expect(h.engine.hooks('s')).toEqual([]);
  });

  it('a WaitConditionHandle can be signalled by its path', async () => {
    h = harness({ options: { pollMaxMs: 20 } });
    const t = `${head}resources:
  handle: {type: OS::Heat::WaitConditionHandle}
  wait: {type: OS::Heat::WaitCondition, properties: {handle: {get_resource: handle}, timeout: 30}}
`;
    h.engine.createStack({ name: 's', bundle: bundleOf({ 'overcloud.yaml': t }) });
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 10));
      h.engine.persister.flush();
      if (h.engine.resources('s', false).some((r) => r.name === 'handle' && r.status === 'COMPLETE')) break;
    }
    expect(h.engine.signalResource('s', 'handle', { status: 'SUCCESS', id: '1', data: 'ok' }).sequence).toBe(1);
    expect((await h.engine.wait('s'))!.status).toBe('COMPLETE');
  });
});
