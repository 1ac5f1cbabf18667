import { afterEach, describe, expect, it } from 'vitest';
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
