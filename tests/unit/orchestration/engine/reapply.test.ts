import { afterEach, describe, expect, it } from 'vitest';
import { findReapplied } from '../../../../undercloud/orchestration/engine/reapply.js';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

// Two servers; a deployment group over both (its members in a child stack), a deployment to s1 alone at
// the top, and one to s2 that runs after the group.
const TEMPLATE = `heat_template_version: wallaby
resources:
  s1: {type: OS::TripleO::Server, properties: {name: n1}}
  s2: {type: OS::TripleO::Server, properties: {name: n2}}
  config: {type: OS::Heat::SoftwareConfig, properties: {config: "echo configured"}}
  group:
    type: OS::Heat::SoftwareDeploymentGroup
    properties:
      config: {get_resource: config}
      servers: {n1: {get_resource: s1}, n2: {get_resource: s2}}
  single: {type: OS::Heat::SoftwareDeployment, properties: {config: {get_resource: config}, server: {get_resource: s1}}}
  after: {type: OS::Heat::SoftwareDeployment, depends_on: [group], properties: {config: {get_resource: config}, server: {get_resource: s2}}}
`;

describe('configs applied again to a server imaged since (a rebuild)', () => {
  it('an update re-applies, as CREATE, exactly the rebuilt server\'s deployments, nested ones included; then it is a no-op again', async () => {
    h = harness();
    const bundle = bundleOf({ 'overcloud.yaml': TEMPLATE });
    const created = await h.deploy('s', bundle);
    expect(`${created.action}_${created.status}`, created.statusReason).toBe('CREATE_COMPLETE');
    expect(h.agent.dispatched).toHaveLength(4);
    const s1 = h.engine.resources('s', false).find((r) => r.name === 's1')!.refId!;

    // Nothing rebuilt: an update dispatches nothing.
    expect(`${(await h.deploy('s', bundle)).status}`).toBe('COMPLETE');
    expect(h.agent.dispatched).toHaveLength(4);

    // (The plan of a no-op update says so: properties are compared with their defaults filled in, as stored.)
    expect((await h.engine.preview({ name: 's', bundle })).resources.every((r) => r.action === 'unchanged')).toBe(true);
    h.servers.rebuild(s1);
    const plan = await h.engine.preview({ name: 's', bundle });
    const actions = Object.fromEntries(plan.resources.map((r) => [r.name, r.action]));
    expect(actions).toMatchObject({ group: 'update', single: 'update', after: 'unchanged', s1: 'unchanged', s2: 'unchanged' });

    const afterEvent = h.store.events.list({}).at(-1)?.id ?? 0;
    const updated = await h.deploy('s', bundle);
    expect(`${updated.action}_${updated.status}`, updated.statusReason).toBe('UPDATE_COMPLETE');
    const again = h.agent.dispatched.slice(4);
    expect(again).toHaveLength(2); // the group's member for n1 and `single`, not n2's or `after`
    for (const d of again) expect(d).toMatchObject({ serverId: s1, action: 'CREATE' });
    const reasons = h.store.events.list({ afterId: afterEvent }).map((e) => e.message).filter((m) => m.includes('imaged again'));
    expect(reasons.length).toBe(2);
    expect(reasons[0]).toContain(`server ${s1} was imaged again since this config was applied to it`);

    // Applied to the new instance: the next update is a no-op again.
    await h.deploy('s', bundle);
    expect(h.agent.dispatched).toHaveLength(6);
    expect((await h.engine.preview({ name: 's', bundle })).resources.every((r) => r.action === 'unchanged')).toBe(true);
  });

  it('a deployment whose server instance is unknown (an id the port does not know) is left alone', async () => {
    h = harness();
    const t = `heat_template_version: wallaby
resources:
  config: {type: OS::Heat::SoftwareConfig, properties: {config: "echo configured"}}
  d: {type: OS::Heat::SoftwareDeployment, properties: {config: {get_resource: config}, server: preprovisioned-1}}
`;
    const bundle = bundleOf({ 'overcloud.yaml': t });
    await h.deploy('s', bundle);
    await h.deploy('s', bundle);
    expect(h.agent.dispatched).toHaveLength(1);
    expect(h.engine.resources('s', false).find((r) => r.name === 'd')!.handle).not.toHaveProperty('instance');
  });
});

describe('configs applied again on request (overcloud deploy --reapply-config)', () => {
  const deployed = async () => {
    h = harness();
    const bundle = bundleOf({ 'overcloud.yaml': TEMPLATE });
    await h.deploy('s', bundle);
    expect(h.agent.dispatched).toHaveLength(4);
    const rs = h.engine.resources('s', false);
    return { bundle, s1: rs.find((r) => r.name === 's1')!.refId!, s2: rs.find((r) => r.name === 's2')!.refId! };
  };

  it('every deployment runs again, as an UPDATE, with the reason in its events; the next plain update is a no-op', async () => {
    const { bundle } = await deployed();
    const plan = await h!.engine.preview({ name: 's', bundle, reapply: {} });
    expect(Object.fromEntries(plan.resources.map((r) => [r.name, r.action]))).toMatchObject({ group: 'update', single: 'update', after: 'update', s1: 'unchanged', config: 'unchanged' });
    const afterEvent = h!.store.events.list({}).at(-1)?.id ?? 0;
    h!.engine.updateStack({ name: 's', bundle, reapply: {} });
    const updated = (await h!.engine.wait('s'))!;
    expect(`${updated.action}_${updated.status}`, updated.statusReason).toBe('UPDATE_COMPLETE');
    const again = h!.agent.dispatched.slice(4);
    expect(again).toHaveLength(4);
    for (const d of again) expect(d.action).toBe('UPDATE');
    const reasons = h!.store.events.list({ afterId: afterEvent }).map((e) => e.message).filter((m) => m.includes('as asked (--reapply-config)'));
    expect(reasons).toHaveLength(4);
    // `after` still runs after the group: the order of the steps is the template's.
    expect(again.at(-1)!.inputs.deploy_resource_name).toBe('after');

    await h!.deploy('s', bundle);
    expect(h!.agent.dispatched).toHaveLength(8);
  });

  it('only the named servers\' deployments run again (by hostname, server id, or both naming one server)', async () => {
    const { bundle, s1, s2 } = await deployed();
    h!.engine.updateStack({ name: 's', bundle, reapply: { servers: ['n2'] } });
    await h!.engine.wait('s');
    const again = h!.agent.dispatched.slice(4);
    expect(again.map((d) => d.serverId)).toEqual([s2, s2]); // the group's member for n2, then `after`
    h!.engine.updateStack({ name: 's', bundle, reapply: { servers: [s1, 'n1'] } });
    await h!.engine.wait('s');
    expect(h!.agent.dispatched.slice(6).map((d) => d.serverId)).toEqual([s1, s1]);
  });

  it('an unknown server is refused before anything changes; a create cannot name servers', async () => {
    const { bundle } = await deployed();
    expect(() => h!.engine.updateStack({ name: 's', bundle, reapply: { servers: ['n1', 'nope'] } })).toThrowError(/stack s has no server nope \(its servers: n1, n2\).*name the servers whose configs to apply again/);
    expect(h!.engine.get('s').stack).toMatchObject({ action: 'CREATE', status: 'COMPLETE' });
    expect(() => h!.engine.createStack({ name: 'other', bundle, reapply: { servers: ['n1'] } })).toThrowError(expect.objectContaining({ code: 'REAPPLY_NEEDS_STACK' }));
    expect(h!.engine.findStack('other')).toBeUndefined();
    // Without names a create simply applies everything, as every create does.
    h!.engine.createStack({ name: 'other', bundle, reapply: {} });
    expect((await h!.engine.wait('other'))!.status).toBe('COMPLETE');
  });

  it('a named server without deployments (a blacklisted one) is refused rather than silently skipped', async () => {
    h = harness();
    const t = `heat_template_version: wallaby
resources:
  s1: {type: OS::TripleO::Server, properties: {name: n1}}
  s2: {type: OS::TripleO::Server, properties: {name: n2}}
  config: {type: OS::Heat::SoftwareConfig, properties: {config: "echo configured"}}
  d1: {type: OS::Heat::SoftwareDeployment, properties: {config: {get_resource: config}, server: {get_resource: s1}}}
`;
    const bundle = bundleOf({ 'overcloud.yaml': t });
    await h.deploy('s', bundle);
    expect(() => h!.engine.updateStack({ name: 's', bundle, reapply: { servers: ['n1', 'n2'] } })).toThrowError(/stack s: n2 has no deployments to apply again \(is it in DeploymentServerBlacklist\?\)/);
    expect(h.engine.get('s').stack).toMatchObject({ action: 'CREATE', status: 'COMPLETE' });
    h.engine.updateStack({ name: 's', bundle, reapply: { servers: ['n1'] } });
    expect((await h.engine.wait('s'))!.status).toBe('COMPLETE');
    expect(h.agent.dispatched).toHaveLength(2);
  });

  it('a deployment whose actions leave out UPDATE is not run again (Heat\'s DeployIdentifier rule)', async () => {
    h = harness();
    const t = `heat_template_version: wallaby
resources:
  s1: {type: OS::TripleO::Server, properties: {name: n1}}
  config: {type: OS::Heat::SoftwareConfig, properties: {config: "echo configured"}}
  once: {type: OS::Heat::SoftwareDeployment, properties: {config: {get_resource: config}, server: {get_resource: s1}, actions: [CREATE]}}
  always: {type: OS::Heat::SoftwareDeployment, properties: {config: {get_resource: config}, server: {get_resource: s1}}}
`;
    const bundle = bundleOf({ 'overcloud.yaml': t });
    await h.deploy('s', bundle);
    h.engine.updateStack({ name: 's', bundle, reapply: {} });
    expect((await h.engine.wait('s'))!.status).toBe('COMPLETE');
    expect(h.agent.dispatched.map((d) => `${d.inputs.deploy_resource_name}:${d.action}`).sort()).toEqual(['always:CREATE', 'always:UPDATE', 'once:CREATE']);
  });

  it('deployments applied after the request are not applied again (an update resumed after a restart)', async () => {
    await deployed();
    const servers = h!.servers;
    const rootId = h!.engine.get('s').stack.id;
    const before = new Date(Date.now() - 3_600_000).toISOString();
    const none = await findReapplied(h!.engine.repo, servers, rootId, new AbortController().signal, { since: before });
    expect(none.deployments.size).toBe(0);
    const all = await findReapplied(h!.engine.repo, servers, rootId, new AbortController().signal, { since: new Date(Date.now() + 1000).toISOString() });
    expect([...all.deployments.values()].reduce((n, m) => n + m.size, 0)).toBe(4);
  });
});
