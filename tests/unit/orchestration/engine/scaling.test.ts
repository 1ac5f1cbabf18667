import { afterEach, describe, expect, it } from 'vitest';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';
import { FakeServers } from '../../../../undercloud/orchestration/resources/index.js';

let h: Harness;
afterEach(() => h?.close());

const root = `heat_template_version: wallaby
parameters:
  ComputeCount: {type: number, default: 3}
  ComputeRemovalPolicies: {type: json, default: []}
resources:
  Compute:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: ComputeCount}
      removal_policies: {get_param: ComputeRemovalPolicies}
      resource_def:
        type: OS::TripleO::Compute
        properties:
          Hostname: overcloud-novacompute-%index%
outputs:
  hostnames: {value: {get_attr: [Compute, hostname]}}
  refs: {value: {get_attr: [Compute, refs]}}
  first_ip: {value: {get_attr: [Compute, resource.0.ip]}}
  by_name: {value: {get_attr: [Compute, attributes, hostname]}}
`;

const member = `heat_template_version: wallaby
parameters:
  Hostname: {type: string}
resources:
  Server:
    type: OS::TripleO::Server
    properties: {name: {get_param: Hostname}, profile: compute}
  Config:
    type: OS::Heat::SoftwareConfig
    properties: {group: script, config: 'echo hi'}
  Deployment:
    type: OS::Heat::SoftwareDeployment
    properties: {config: {get_resource: Config}, server: {get_resource: Server}}
outputs:
  hostname: {value: {get_attr: [Server, name]}}
  ip: {value: {get_attr: [Server, networks, ctlplane, 0]}}
  stdout: {value: {get_attr: [Deployment, deploy_stdout]}}
`;

const env = `resource_registry:
  OS::TripleO::Compute: compute.yaml
`;

function bundle() {
  return bundleOf({ 'overcloud.yaml': root, 'compute.yaml': member, 'env.yaml': env }, { environments: ['env.yaml'] });
}

describe('engine: ResourceGroup of provider templates', () => {
  it('creates members with servers and deployments, and exposes group attributes', async () => {
    h = harness();
    const s = await h.deploy('oc', bundle());
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
    expect(s.outputs?.hostnames).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1', 'overcloud-novacompute-2']);
    expect(s.outputs?.refs).toHaveLength(3);
    expect(String(s.outputs?.first_ip)).toMatch(/^192\.0\.2\./);
    expect(s.outputs?.by_name).toEqual({ '0': 'overcloud-novacompute-0', '1': 'overcloud-novacompute-1', '2': 'overcloud-novacompute-2' });
    expect(h.servers.count).toBe(3);
    expect(h.agent.dispatched).toHaveLength(3);
    expect(h.engine.get('oc').counts.CREATE_COMPLETE).toBe(1 + 3 + 9);
  });

  it('scales up, then down honouring removal_policies, never reusing a removed name', async () => {
    h = harness();
    await h.deploy('oc', bundle());
    const up = await h.deploy('oc', bundle(), { ComputeCount: 5 });
    expect(`${up.action}_${up.status}`, up.statusReason).toBe('UPDATE_COMPLETE');
    expect(h.servers.count).toBe(5);
    // Only the two new members were touched: 2 servers created, none updated.
    expect(h.agent.dispatched).toHaveLength(5);
    const down = await h.deploy('oc', bundle(), { ComputeCount: 4, ComputeRemovalPolicies: [{ resource_list: ['1'] }] });
    expect(`${down.action}_${down.status}`, down.statusReason).toBe('UPDATE_COMPLETE');
    expect(down.outputs?.hostnames).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-2', 'overcloud-novacompute-3', 'overcloud-novacompute-4']);
    expect(h.servers.count).toBe(4);
    expect(h.servers.released).toBe(1);
    // Scale back up: "1" stays blacklisted, the new member is "5".
    const again = await h.deploy('oc', bundle(), { ComputeCount: 5, ComputeRemovalPolicies: [] });
    expect((again.outputs?.hostnames as string[]).at(-1)).toBe('overcloud-novacompute-5');
    expect(again.outputs?.hostnames).not.toContain('overcloud-novacompute-1');
  });

  it('scale down without policies removes the highest members; delete releases everything', async () => {
    h = harness();
    await h.deploy('oc', bundle());
    const down = await h.deploy('oc', bundle(), { ComputeCount: 1 });
    expect(down.outputs?.hostnames).toEqual(['overcloud-novacompute-0']);
    h.engine.deleteStack('oc');
    await h.engine.wait('oc');
    expect(h.engine.findStack('oc')).toBeUndefined();
    expect(h.servers.count).toBe(0);
    expect(h.store.counts().stack_resources).toBe(0);
    expect(h.store.counts().stacks).toBe(0);
  });

  it('a deploy run again after one member failed retries that member alone: the healthy servers are kept', async () => {
    // Heat updates a failed nested stack in place (StackResource.needs_replace_failed); replacing the group
    // would release every server of the role because one failed.
    const racked = (x: string) => x.replace('Hostname: overcloud-novacompute-%index%', 'Hostname: overcloud-novacompute-%index%\n          Profile: rack-%index%');
    const memberWithProfile = member.replace('  Hostname: {type: string}', '  Hostname: {type: string}\n  Profile: {type: string}').replace('profile: compute', 'profile: {get_param: Profile}');
    const files = { 'overcloud.yaml': racked(root), 'compute.yaml': memberWithProfile, 'env.yaml': env };
    const servers = new FakeServers({ failProfiles: ['rack-1'] });
    h = harness({ servers });
    const failed = await h.deploy('oc', bundleOf(files, { environments: ['env.yaml'] }));
    expect(`${failed.action}_${failed.status}`).toBe('CREATE_FAILED');
    const healthy = [...servers.servers.keys()].filter((id) => !id.endsWith('-1'));
    expect(healthy).toHaveLength(2);
    const dispatched = h.agent.dispatched.length;

    // --dry-run says so too.
    const plan = await h.engine.preview({ name: 'oc', bundle: bundleOf(files, { environments: ['env.yaml'] }) });
    expect(plan.resources.find((r) => r.name === 'Compute')?.action).toBe('update');

    (servers as unknown as { options: { failProfiles: string[] } }).options.failProfiles = []; // the operator fixed the node
    const again = await h.deploy('oc', bundleOf(files, { environments: ['env.yaml'] }));
    expect(`${again.action}_${again.status}`, again.statusReason).toBe('UPDATE_COMPLETE');
    expect(again.outputs?.hostnames).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1', 'overcloud-novacompute-2']);
    expect(servers.released).toBe(1); // the failed server only
    for (const id of healthy) expect(servers.servers.has(id), id).toBe(true);
    expect(h.agent.dispatched.length - dispatched).toBe(1); // the new member's deployment
    const events = h.engine.events('oc').map((e) => e.message);
    expect(events).toContain('oc-Compute UPDATE_IN_PROGRESS: Stack UPDATE started');
    expect(events.some((m) => m.includes('replaced-'))).toBe(false);
  });

  it('the preview names the servers an update would remove: dropped members, and everything under a deleted group', async () => {
    h = harness();
    await h.deploy('oc', bundle());
    const none = await h.engine.preview({ name: 'oc', bundle: bundle() });
    expect(none.removedServers).toEqual([]);
    const down = await h.engine.preview({ name: 'oc', bundle: bundle(), parameters: { ComputeCount: 1, ComputeRemovalPolicies: [{ resource_list: ['0'] }] } });
    expect(down.removedServers.map((s) => [s.path, s.hostname])).toEqual([['Compute/0/Server', 'overcloud-novacompute-0'], ['Compute/2/Server', 'overcloud-novacompute-2']]);
    expect(down.removedServers[0]!.nodeId).toMatch(/^fake-node-/);
    const gone = await h.engine.preview({ name: 'oc', bundle: bundleOf({ 'overcloud.yaml': 'heat_template_version: wallaby\nresources: {}\n' }) });
    expect(gone.removedServers.map((s) => s.hostname)).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1', 'overcloud-novacompute-2']);
    expect(h.servers.released).toBe(0); // a preview changes nothing
  });
});
