import { afterEach, describe, expect, it } from 'vitest';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';
import type { TemplateBundle } from '../../../../undercloud/orchestration/template/types.js';
import { rolesBundle } from '../../../fakes/orchestration/roles-bundle.js';
import { FakeServers } from '../../../../undercloud/orchestration/resources/index.js';
import { UndercloudError } from '../../../../undercloud/errors.js';

let h: Harness;
afterEach(() => h?.close());

const roles = `- name: Controller
  CountDefault: 1
  HostnameFormatDefault: '%stackname%-controller-%index%'
- name: Compute
  CountDefault: 1
  HostnameFormatDefault: '%stackname%-novacompute-%index%'
`;

const root = `heat_template_version: wallaby
resources: {}
outputs:
  computes: {value: {get_attr: [Compute, hostname]}}
`;

/** The product's shape: roles_data.yaml renders the groups; the count comes from an environment file, as in TripleO. */
function bundle(computes: number): TemplateBundle {
  return rolesBundle(root, roles, { 'scale.yaml': `parameter_defaults:\n  ComputeCount: ${computes}\n` });
}

async function removeAndWait(targets: string[]) {
  const r = h.engine.removeServers('overcloud', targets);
  expect(`${r.stack.action}_${r.stack.status}`).toBe('UPDATE_IN_PROGRESS');
  const s = (await h.engine.wait('overcloud'))!;
  expect(`${s.action}_${s.status}`, s.statusReason).toBe('UPDATE_COMPLETE');
  return { ...r, final: s };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UndercloudError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected an error');
}

describe('removing named servers from a stack (overcloud node delete)', () => {
  it('removes the named member, lowers <Role>Count from its effective value, and never reuses the name', async () => {
    h = harness();
    const created = await h.deploy('overcloud', bundle(3));
    expect(created.outputs?.computes).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1', 'overcloud-novacompute-2']);
    const r = await removeAndWait(['overcloud-novacompute-1']);
    expect(r.removed).toMatchObject([{ target: 'overcloud-novacompute-1', hostname: 'overcloud-novacompute-1', group: 'Compute', member: '1', preProvisioned: false }]);
    expect(r.counts).toEqual([{ group: 'Compute', countParameter: 'ComputeCount', from: 3, to: 2 }]);
    expect(r.final.outputs?.computes).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-2']);
    expect(h.servers.released).toBe(1);
    expect(h.servers.count).toBe(1 + 2);
    // The controller was left alone.
    expect(h.engine.resources('overcloud', true).filter((x) => x.type === 'OS::TripleO::Server' && x.action !== 'CREATE')).toEqual([]);

    // The next deploy with the environment's count (3, not updated by the operator) scales back up, as in
    // TripleO; the removed name stays blacklisted.
    const again = await h.deploy('overcloud', bundle(3));
    expect(again.outputs?.computes).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-2', 'overcloud-novacompute-3']);
  });

  it('takes server ids and node ids (and node names through the server port), once each', async () => {
    // A bare-metal port knows node names; this fake knows one.
    const nodeNames = new Map<string, string>();
    const servers = new (class extends FakeServers {
      lookup(name: string): string | undefined {
        return nodeNames.get(name);
      }
    })();
    h = harness({ servers });
    await h.deploy('overcloud', bundle(4));
    const computes = h.engine.resources('overcloud', true).filter((x) => x.type === 'OS::TripleO::Server' && String(x.attributes.hostname).includes('novacompute'));
    const byHost = new Map(computes.map((c) => [String(c.attributes.hostname), c]));
    const zero = byHost.get('overcloud-novacompute-0')!;
    const three = byHost.get('overcloud-novacompute-3')!;
    const two = byHost.get('overcloud-novacompute-2')!;
    nodeNames.set('rack1-node7', two.refId!);
    const r = await removeAndWait([zero.refId!, String(three.attributes.node_id), 'overcloud-novacompute-0', 'rack1-node7']);
    expect(r.removed.map((x) => [x.target, x.member])).toEqual([[zero.refId, '0'], [String(three.attributes.node_id), '3'], ['rack1-node7', '2']]);
    expect(r.counts).toEqual([{ group: 'Compute', countParameter: 'ComputeCount', from: 4, to: 1 }]);
    expect(r.final.outputs?.computes).toEqual(['overcloud-novacompute-1']);
    expect(h.servers.released).toBe(3);
  });

  it('removes a server whose deploy failed, and the stack converges without it', async () => {
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
      resource_def: {type: OS::TripleO::Server, properties: {name: compute-%index%, profile: rack-%index%}}
outputs:
  names: {value: {get_attr: [Compute, name]}}
`;
    h = harness({ servers: new FakeServers({ failProfiles: ['rack-1'] }) });
    const failed = await h.deploy('oc', bundleOf({ 'overcloud.yaml': root }));
    expect(`${failed.action}_${failed.status}`).toBe('CREATE_FAILED');
    const r = h.engine.removeServers('oc', ['compute-1']);
    expect(r.removed.map((x) => x.member)).toEqual(['1']);
    const s = (await h.engine.wait('oc'))!;
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('UPDATE_COMPLETE');
    expect(s.outputs?.names).toEqual(['compute-0', 'compute-2']);
    expect(h.servers.released).toBe(1);
  });

  it('refuses, changing nothing: an unknown server (listing the ones there are), no servers, a busy stack', async () => {
    h = harness();
    await h.deploy('overcloud', bundle(2));
    const before = h.engine.get('overcloud').stack;
    expect(codeOf(() => h.engine.removeServers('overcloud', ['overcloud-novacompute-7']))).toBe(
      'SERVER_NOT_IN_STACK: stack overcloud has no server overcloud-novacompute-7 (its servers: overcloud-controller-0, overcloud-novacompute-0, overcloud-novacompute-1); '
      + 'name a hostname, a server id or a node; to remove a node that no stack uses from the undercloud, use `overcloud node unenroll`',
    );
    expect(codeOf(() => h.engine.removeServers('overcloud', []))).toMatch(/^SERVERS_REQUIRED/);
    expect(h.engine.get('overcloud').stack).toEqual(before);
    h.engine.removeServers('overcloud', ['overcloud-novacompute-0']);
    expect(codeOf(() => h.engine.removeServers('overcloud', ['overcloud-novacompute-1']))).toMatch(/^STACK_IN_PROGRESS: stack overcloud is UPDATE_IN_PROGRESS/);
    await h.engine.wait('overcloud');
  });

  it('refuses servers outside a root group, and groups whose count or removal_policies is not a parameter', async () => {
    const top = `heat_template_version: wallaby
parameters:
  N: {type: number, default: 1}
  M: {type: number, default: 1}
  Policies: {type: json, default: []}
resources:
  Lone:
    type: OS::TripleO::Server
    properties: {name: lone-0}
  Fixed:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: N}
      resource_def: {type: OS::TripleO::Server, properties: {name: fixed-%index%}}
  Inner:
    type: inner.yaml
  PreProvisioned:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: M}
      removal_policies: {get_param: Policies}
      resource_def: {type: OS::Heat::DeployedServer, properties: {name: pre-%index%}}
outputs:
  pre: {value: {get_attr: [PreProvisioned, name]}}
`;
    const inner = `heat_template_version: wallaby
resources:
  Group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 1
      resource_def: {type: OS::TripleO::Server, properties: {name: inner-%index%}}
`;
    // A bare-metal port knows which hostname a node was deployed as; this fake knows one.
    const servers = new (class extends FakeServers {
      deployedHostname(node: string): string | undefined {
        return node === 'node-7' ? 'pre-1' : undefined;
      }
    })();
    h = harness({ servers });
    const s = await h.deploy('oc', bundleOf({ 'overcloud.yaml': top, 'inner.yaml': inner }));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
    expect(codeOf(() => h.engine.removeServers('oc', ['lone-0']))).toBe(
      'SERVER_NOT_IN_GROUP: stack oc: server lone-0 cannot be removed by scaling down: no ResourceGroup holds it (a single server: change the template, or delete the stack)',
    );
    expect(codeOf(() => h.engine.removeServers('oc', ['fixed-0']))).toBe(
      'GROUP_NOT_SCALABLE: stack oc: group Fixed (overcloud.yaml:10:3) cannot scale down around a member: its removal_policies is not set by a get_param',
    );
    expect(codeOf(() => h.engine.removeServers('oc', ['inner-0']))).toBe(
      'SERVER_NOT_IN_GROUP: stack oc: server inner-0 cannot be removed by scaling down: it is in the group Group of the nested stack oc-Inner, and only groups of the root stack scale down here',
    );
    expect(h.engine.get('oc').stack.action).toBe('CREATE');

    // A group of pre-provisioned servers scales down the same way (nothing to release); Fixed is untouched.
    await h.deploy('oc', bundleOf({ 'overcloud.yaml': top, 'inner.yaml': inner }), { N: 2, M: 2 });
    const r = h.engine.removeServers('oc', ['pre-0']);
    expect(r.removed).toEqual([{ target: 'pre-0', hostname: 'pre-0', serverId: 'pre-0', nodeId: '', group: 'PreProvisioned', member: '0', preProvisioned: true }]);
    expect(r.counts).toEqual([{ group: 'PreProvisioned', countParameter: 'M', from: 2, to: 1 }]);
    const s2 = (await h.engine.wait('oc'))!;
    expect(`${s2.action}_${s2.status}`, s2.statusReason).toBe('UPDATE_COMPLETE');
    expect(s2.outputs?.pre).toEqual(['pre-1']);
    expect(h.engine.resources('oc', true).filter((x) => String(x.attributes.name).startsWith('fixed-')).map((x) => x.attributes.name)).toEqual(['fixed-0', 'fixed-1']);

    // Named by its node's name: the port says which hostname the node serves.
    expect(h.engine.removeServers('oc', ['node-7']).removed.map((x) => [x.target, x.hostname])).toEqual([['node-7', 'pre-1']]);
    expect((await h.engine.wait('oc'))!.outputs?.pre).toEqual([]);
  });

  it('refuses a group whose count parameter another group reads too (that group would shrink with it)', async () => {
    const shared = `heat_template_version: wallaby
parameters:
  N: {type: number, default: 2}
  P: {type: json, default: []}
resources:
  A:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: N}
      removal_policies: {get_param: P}
      resource_def: {type: OS::TripleO::Server, properties: {name: a-%index%}}
  B:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: N}
      resource_def: {type: OS::TripleO::Server, properties: {name: b-%index%}}
`;
    h = harness();
    await h.deploy('oc', bundleOf({ 'overcloud.yaml': shared }));
    expect(codeOf(() => h.engine.removeServers('oc', ['a-0']))).toBe(
      'GROUP_NOT_SCALABLE: stack oc: group A (overcloud.yaml:6:3) cannot scale down around a member: its count parameter N also sets the count of B',
    );
    expect(h.servers.released).toBe(0);
  });
});
