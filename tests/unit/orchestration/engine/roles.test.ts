import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from '../../../fakes/orchestration/harness.js';
import type { TemplateBundle } from '../../../../undercloud/orchestration/template/types.js';
import { rolesBundle } from '../../../fakes/orchestration/roles-bundle.js';

let h: Harness;
afterEach(() => h?.close());

const roles = `- name: Controller
  CountDefault: 1
  HostnameFormatDefault: '%stackname%-controller-%index%'
  ServicesDefault: [OS::TripleO::Services::Keystone]
  tags: [primary, controller]
- name: Compute
  CountDefault: 2
  HostnameFormatDefault: '%stackname%-novacompute-%index%'
  ServicesDefault: [OS::TripleO::Services::NovaCompute]
`;

const root = `heat_template_version: wallaby
resources: {}
outputs:
  controllers: {value: {get_attr: [Controller, hostname]}}
  computes: {value: {get_attr: [Compute, hostname]}}
`;

function bundle(env = ''): TemplateBundle {
  return rolesBundle(root, roles, env ? { 'scale.yaml': env } : {});
}

describe('roles_data.yaml through the engine', () => {
  it('renders one ResourceGroup per role with <Role>Count and <Role>HostnameFormat', async () => {
    h = harness();
    const s = await h.deploy('overcloud', bundle());
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
    expect(s.outputs?.controllers).toEqual(['overcloud-controller-0']);
    expect(s.outputs?.computes).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1']);
    expect(h.servers.count).toBe(3);
  });

  it('<Role>Count and <Role>RemovalPolicies scale a role', async () => {
    h = harness();
    await h.deploy('overcloud', bundle());
    const s = await h.deploy('overcloud', bundle("parameter_defaults:\n  ComputeCount: 2\n  ComputeRemovalPolicies: [{resource_list: ['0']}]\n"));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('UPDATE_COMPLETE');
    expect(s.outputs?.computes).toEqual(['overcloud-novacompute-1', 'overcloud-novacompute-2']);
    expect(h.servers.released).toBe(1);
  });
});
