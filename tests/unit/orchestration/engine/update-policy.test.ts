import { afterEach, describe, expect, it } from 'vitest';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';
import { FakeServers } from '../../../../undercloud/orchestration/resources/index.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const root = (count: number, policy: string, tag: string) => `heat_template_version: wallaby
resources:
  Compute:
    type: OS::Heat::ResourceGroup
    update_policy: ${policy}
    properties:
      count: ${count}
      resource_def:
        type: OS::TripleO::Compute
        properties: {Hostname: 'compute-%index%', Tag: ${tag}}
outputs:
  tags: {value: {get_attr: [Compute, tag]}}
`;

const member = `heat_template_version: wallaby
parameters:
  Hostname: {type: string}
  Tag: {type: string}
resources:
  Server:
    type: OS::TripleO::Server
    properties: {name: {get_param: Hostname}, metadata: {tag: {get_param: Tag}}}
outputs:
  tag: {value: {get_param: Tag}}
`;

function bundle(count: number, policy: string, tag = 'v1') {
  return bundleOf({ 'overcloud.yaml': root(count, policy, tag), 'compute.yaml': member, 'env.yaml': 'resource_registry:\n  OS::TripleO::Compute: compute.yaml\n' }, { environments: ['env.yaml'] });
}

interface Ev { id: number; kind: string; resource: string; stackName: string; reason: string }

/** Resource events of the group's members (the group's child stack), in order. */
function memberEvents(hh: Harness, kind: string): Ev[] {
  return hh.engine
    .events('oc')
    .map((e) => ({ id: e.id, kind: e.kind, ...(e.data as { resource: string; stackName: string; reason: string }) }))
    .filter((e) => e.kind === kind && e.stackName === 'oc-Compute');
}

/** Member names grouped into the batches their events show (sorted): a batch starts once the previous one has finished. */
function batchesOf(hh: Harness, action: 'CREATE' | 'UPDATE'): string[][] {
  const starts = memberEvents(hh, `stack.resource.${action}_IN_PROGRESS`);
  const ends = memberEvents(hh, `stack.resource.${action}_COMPLETE`);
  const endOf = (s: Ev) => ends.find((e) => e.resource === s.resource && e.id > s.id)!.id;
  const batches: Ev[][] = [];
  for (const s of starts) {
    const last = batches.at(-1);
    // Joins the running batch unless a member of it had already finished when this one started.
    if (last && last.every((m) => endOf(m) > s.id)) last.push(s);
    else batches.push([s]);
  }
  return batches.map((b) => b.map((e) => e.resource).sort());
}

describe('ResourceGroup update_policy through the engine (fake servers)', () => {
  it('batch_create creates max_batch_size members at a time, pausing pause_time between batches', async () => {
    h = harness({ servers: new FakeServers({ deployMs: 30 }), options: { pollMaxMs: 10 } });
    const started = Date.now();
    const s = await h.deploy('oc', bundle(5, '{batch_create: {max_batch_size: 2, pause_time: 0.2}}'));
    const took = Date.now() - started;
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
    expect(batchesOf(h, 'CREATE')).toEqual([['0', '1'], ['2', '3'], ['4']]);
    expect(took).toBeGreaterThanOrEqual(400);
    const progress = h.engine.events('oc').filter((e) => (e.data as { resource?: string }).resource === 'Compute').map((e) => (e.data as { reason: string }).reason);
    expect(progress).toContain('batch create: batch 3 of 3');
    expect(progress).toContain('batch create: pausing 0.2 s after batch 1 of 3');
    expect(h.servers.count).toBe(5);
  });

  it('without a policy all members start at once', async () => {
    h = harness({ servers: new FakeServers({ deployMs: 30 }), options: { pollMaxMs: 10 } });
    await h.deploy('oc', bundle(4, '{}'));
    expect(batchesOf(h, 'CREATE')).toEqual([['0', '1', '2', '3']]);
  });

  it('rolling_update gives a changed resource_def to max_batch_size members at a time, highest index first', async () => {
    h = harness({ servers: new FakeServers({ deployMs: 0 }), options: { pollMaxMs: 10 } });
    const policy = '{rolling_update: {max_batch_size: 2, min_in_service: 0}}';
    await h.deploy('oc', bundle(5, policy));
    const ids = h.engine.resources('oc', true).filter((r) => r.type === 'OS::TripleO::Server').map((r) => r.refId).sort();
    const s = await h.deploy('oc', bundle(5, policy, 'v2'));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('UPDATE_COMPLETE');
    expect(batchesOf(h, 'UPDATE')).toEqual([['3', '4'], ['1', '2'], ['0']]);
    expect(s.outputs?.tags).toEqual(['v2', 'v2', 'v2', 'v2', 'v2']);
    // Updated in place: the same servers.
    expect(h.engine.resources('oc', true).filter((r) => r.type === 'OS::TripleO::Server').map((r) => r.refId).sort()).toEqual(ids);
  });

  it('rolling_update with min_in_service adds members for the update and removes them after', async () => {
    h = harness();
    const policy = '{rolling_update: {max_batch_size: 2, min_in_service: 3}}';
    await h.deploy('oc', bundle(3, policy));
    const s = await h.deploy('oc', bundle(3, policy, 'v2'));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('UPDATE_COMPLETE');
    // Heat's batches for 3 members, batch 2, min in service 3: (5, 2), (5, 2), (4, 1), (3, 0).
    const created = memberEvents(h, 'stack.resource.CREATE_COMPLETE').map((e) => e.resource);
    expect(created.slice(3)).toEqual(['3', '4']);
    expect(memberEvents(h, 'stack.resource.DELETE_COMPLETE').map((e) => e.resource).sort()).toEqual(['3', '4']);
    expect(s.outputs?.tags).toEqual(['v2', 'v2', 'v2']);
    expect(h.servers.count).toBe(3);
  });

  it('a change of count alone does not roll: members are added together', async () => {
    h = harness({ servers: new FakeServers({ deployMs: 30 }), options: { pollMaxMs: 10 } });
    const policy = '{rolling_update: {max_batch_size: 1}}';
    await h.deploy('oc', bundle(1, policy));
    const before = memberEvents(h, 'stack.resource.CREATE_IN_PROGRESS').length;
    await h.deploy('oc', bundle(3, policy));
    expect(memberEvents(h, 'stack.resource.CREATE_IN_PROGRESS').length - before).toBe(2);
    expect(h.engine.events('oc').some((e) => String((e.data as { reason?: string }).reason).startsWith('rolling update'))).toBe(false);
  });
});
