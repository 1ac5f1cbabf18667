import { describe, expect, it } from 'vitest';
import { expandBaremetalDeployment } from '../../../../undercloud/orchestration/roles/baremetal-deployment.js';

const expand = (text: string, stack = 'overcloud') => expandBaremetalDeployment(text, 'bm.yaml', stack);
const hosts = (r: ReturnType<typeof expand>) => r.instances.map((i) => [i.role, i.hostname, i.provisioned]);

describe('baremetal_deployment.yaml expansion (TripleO node provision)', () => {
  it('generates count hostnames per role with TripleO default formats, image and profile defaults', () => {
    const r = expand(`
- name: Controller
  count: 1
  defaults: {profile: control}
- name: Compute
  count: 2
  defaults: {image: {href: golden}, capabilities: {boot_mode: uefi}}
`);
    expect(r.errors).toEqual([]);
    expect(hosts(r)).toEqual([
      ['Controller', 'overcloud-controller-0', true], ['Compute', 'overcloud-novacompute-0', true], ['Compute', 'overcloud-novacompute-1', true],
    ]);
    expect(r.instances[0]).toMatchObject({ profile: 'control', image: 'overcloud-full', capabilities: {} });
    expect(r.instances[1]).toMatchObject({ image: 'golden', capabilities: { boot_mode: 'uefi' } });
    expect(r.parameters).toEqual({
      ControllerCount: 1, ControllerHostnameFormat: '%stackname%-controller-%index%',
      ComputeCount: 2, ComputeHostnameFormat: '%stackname%-novacompute-%index%',
      HostnameMap: {
        'overcloud-controller-0': 'overcloud-controller-0', 'overcloud-novacompute-0': 'overcloud-novacompute-0', 'overcloud-novacompute-1': 'overcloud-novacompute-1',
      },
    });
  });

  it('maps generated names to given hostnames and node names, and skips names already given', () => {
    const r = expand(`
- name: Compute
  count: 3
  hostname_format: cmp-%index%
  instances:
    - hostname: cmp-1
    - name: node-7
    - hostname: special
      capabilities: {node: x}
`, 'lab');
    expect(r.errors).toEqual([]);
    expect(hosts(r).map((h) => h[1])).toEqual(['cmp-1', 'node-7', 'special']);
    expect(r.instances[1]!.node).toBe('node-7');
    expect(r.parameters.HostnameMap).toEqual({ 'cmp-1': 'cmp-1', 'cmp-0': 'node-7', 'cmp-2': 'special' });
    expect(r.parameters.ComputeCount).toBe(3);
  });

  it('provisioned: false keeps the index, lowers the count and names the member in the removal policies', () => {
    const r = expand(`
- name: Compute
  count: 2
  instances:
    - hostname: overcloud-novacompute-0
    - hostname: overcloud-novacompute-1
      provisioned: false
`);
    expect(r.errors).toEqual([]);
    expect(hosts(r)).toEqual([
      ['Compute', 'overcloud-novacompute-0', true], ['Compute', 'overcloud-novacompute-1', false], ['Compute', 'overcloud-novacompute-2', true],
    ]);
    expect(r.parameters).toMatchObject({ ComputeCount: 2, ComputeRemovalPolicies: [{ resource_list: ['1'] }] });
    expect(r.parameters.HostnameMap).toMatchObject({ 'overcloud-novacompute-2': 'overcloud-novacompute-2' });
  });

  it('count 0 provisions nothing for the role but still sets its count', () => {
    const r = expand('- name: Storage\n  count: 0\n');
    expect(r.instances).toEqual([]);
    expect(r.parameters).toMatchObject({ StorageCount: 0 });
  });

  it('names file, line and column of what it refuses, and refuses keys it would not act on', () => {
    const r = expand(`
- name: Controller
  count: 1
  defaults:
    networks: [{network: ctlplane}]
- name: Compute
  count: -1
- name: Compute
  instances:
    - hostname: a_b
`);
    const messages = r.errors.map((e) => e.message);
    expect(messages.some((m) => m.startsWith('bm.yaml:5:') && m.includes('"networks" is not supported here'))).toBe(true);
    expect(messages.some((m) => m.startsWith('bm.yaml:7:') && m.includes('must be >= 0'))).toBe(true);
    expect(r.errors.every((e) => e.code === 'BAREMETAL_DEPLOYMENT_INVALID')).toBe(true);

    const twice = expand('- name: Compute\n- name: Compute\n  instances: [{hostname: "a_b"}]\n');
    expect(twice.errors.map((e) => e.message)).toEqual(['bm.yaml:2:9: the role "Compute" is listed twice (1.name)']);
    const bad = expand('- name: Compute\n  instances:\n    - hostname: a_b\n    - {hostname: x1, name: n}\n    - {hostname: x1, name: n}\n');
    expect(bad.errors.map((e) => e.detail)).toEqual([
      '"a_b" is not a valid hostname (letters, digits and hyphens, labels of at most 63 characters)',
      'the hostname "x1" is given twice (also at 0.instances.1)',
      'the node "n" is named by two instances (also at 0.instances.1)',
    ]);
    expect(expand('- name: C\n  hostname_format: fixed\n').errors[0]!.detail).toContain('has no %index%');
    expect(expand('a: [').errors[0]!.code).toBe('YAML_SYNTAX');
  });
});
