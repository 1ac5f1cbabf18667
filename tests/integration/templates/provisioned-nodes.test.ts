/**
 * TripleO's nova-less flow through the real daemon and CLI with fake nodes and fake agents:
 * `overcloud node provision baremetal_deployment.yaml` reserves and deploys nodes and writes the
 * deployed-server environment; `overcloud deploy -b` deploys the default templates onto those nodes
 * (roles/deployed-server.yaml: nothing allocated by the stack); scale-down with `provisioned: false`, then
 * `overcloud node unprovision`. Errors name file, line and column, and a file asking for more nodes than
 * there are reserves none.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { runCli, OVERCLOUD_BIN, ROOT, type TestDaemon, daemonForBlock, FAKE_ORCHESTRATION_CONFIG } from '../../helpers/daemon.js';

const T = path.join(ROOT, 'templates');
const DEPLOY = ['deploy', '--templates', T, '-e', path.join(T, 'environments', 'lab-minimal.yaml')];

const NODES = {
  nodes: [
    { name: 'ctl-a', pm_type: 'fake', mac: ['52:54:00:bb:00:01'], capabilities: 'profile:control' },
    { name: 'cmp-a', pm_type: 'fake', mac: ['52:54:00:bb:00:02'], capabilities: 'profile:compute' },
    { name: 'cmp-b', pm_type: 'fake', mac: ['52:54:00:bb:00:03'], capabilities: 'profile:compute' },
    { name: 'sto-a', pm_type: 'fake', mac: ['52:54:00:bb:00:04'], capabilities: 'profile:storage' },
  ],
};

const deployment = (computeSpecialProvisioned: boolean) => `
- name: Controller
  count: 1
  defaults: {profile: control}
- name: Compute
  count: ${computeSpecialProvisioned ? 2 : 1}
  defaults: {profile: compute}
  instances:
    - hostname: compute-special
      name: cmp-b
      provisioned: ${computeSpecialProvisioned}
- name: Storage
  count: 1
  defaults: {profile: storage}
`;

interface NodeView { name: string; provision_state: string; instance_info: { hostname?: string; allocation_key?: string } }
interface InstanceView { hostname: string; node: string; provision_state: string }

describe('overcloud node provision / deploy -b / node unprovision (fake nodes and agents)', () => {
  let d: TestDaemon;
  daemonForBlock({ extraConfig: `${FAKE_ORCHESTRATION_CONFIG}\n\n[baremetal]\nsync_power_state_interval = 0\n` }, (x) => (d = x));
  const oc = (...args: string[]) => runCli(OVERCLOUD_BIN, args, d.configFile);
  const nodes = async () => JSON.parse((await oc('-f', 'json', 'node', 'list')).stdout) as NodeView[];
  const file = () => path.join(d.dir, 'baremetal_deployment.yaml');
  const hostnames = async () => (JSON.parse((await oc('stack', 'outputs', '--format', 'json')).stdout) as { hostnames: Record<string, string[]> }).hostnames;

  it('refuses a bad file with its position, and a file needing more nodes than there are reserves none', async () => {
    writeFileSync(path.join(d.dir, 'nodes.json'), JSON.stringify(NODES));
    const imported = await oc('node', 'import', '--provide', path.join(d.dir, 'nodes.json'));
    expect(imported.code, imported.stderr).toBe(0);

    writeFileSync(file(), '- name: Compute\n  count: 1\n  defaults:\n    root_size_gb: 40\n');
    const bad = await oc('node', 'provision', file());
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain(`${file()}:4:5: "root_size_gb" is not supported here`);

    writeFileSync(file(), '- name: Compute\n  count: 3\n  defaults: {profile: compute}\n');
    const many = await oc('node', 'provision', file());
    expect(many.code).toBe(6);
    expect(many.stderr).toContain('no available node matches {"profile":"compute"} for overcloud-novacompute-2');
    expect((await nodes()).every((n) => n.provision_state === 'available' && n.instance_info.allocation_key === undefined)).toBe(true);

    // deploy -b with a role the file forgets (roles_data gives Storage a count of 1): refused before provisioning.
    writeFileSync(file(), '- name: Controller\n  defaults: {profile: control}\n- name: Compute\n  defaults: {profile: compute}\n');
    const forgot = await oc(...DEPLOY, '-b', file());
    expect(forgot.code).toBe(4);
    expect(forgot.stderr).toContain(`${file()} does not list Storage (count 1): with -b every role's servers are pre-provisioned`);
    expect((await nodes()).every((n) => n.provision_state === 'available' && n.instance_info.allocation_key === undefined)).toBe(true);
  });

  it('provisions the instances and writes the deployed-server environment; a second run changes nothing', async () => {
    writeFileSync(file(), deployment(true));
    // --dry-run with -b plans with the environment provisioning would write, and provisions nothing.
    const dry = await oc(...DEPLOY, '-b', file(), '--dry-run', '--format', 'json');
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { resources: { name: string; properties: { count?: number } }[] };
    expect(plan.resources.filter((x) => ['Controller', 'Compute', 'Storage'].includes(x.name)).map((x) => [x.name, x.properties.count])).toEqual([['Controller', 1], ['Compute', 2], ['Storage', 1]]);
    expect((await nodes()).every((n) => n.provision_state === 'available')).toBe(true);

    const r = await oc('-f', 'json', 'node', 'provision', file(), '-o', path.join(d.dir, 'deployed.yaml'));
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as InstanceView[];
    expect(list.map((i) => [i.hostname, i.node, i.provision_state])).toEqual([
      ['compute-special', 'cmp-b', 'active'], ['overcloud-controller-0', 'ctl-a', 'active'], ['overcloud-novacompute-1', 'cmp-a', 'active'], ['overcloud-storage-0', 'sto-a', 'active'],
    ]);
    const env = parse(readFileSync(path.join(d.dir, 'deployed.yaml'), 'utf8')) as { parameter_defaults: Record<string, unknown> };
    expect(env.parameter_defaults).toEqual({
      ControllerCount: 1, ControllerHostnameFormat: '%stackname%-controller-%index%',
      ComputeCount: 2, ComputeHostnameFormat: '%stackname%-novacompute-%index%',
      StorageCount: 1, StorageHostnameFormat: '%stackname%-storage-%index%',
      HostnameMap: {
        'overcloud-controller-0': 'overcloud-controller-0', 'overcloud-novacompute-0': 'compute-special',
        'overcloud-novacompute-1': 'overcloud-novacompute-1', 'overcloud-storage-0': 'overcloud-storage-0',
      },
      DeployedServerPortMap: {}, // fake nodes have no agent, hence no address
    });
    const before = await nodes();
    const again = await oc('-f', 'json', 'node', 'provision', file(), '-o', path.join(d.dir, 'deployed.yaml'));
    expect(again.code, again.stderr).toBe(0);
    expect((await nodes()).map((n) => n.instance_info)).toEqual(before.map((n) => n.instance_info));
  });

  it('deploy -b deploys the templates onto the provisioned nodes', async () => {
    const r = await oc(...DEPLOY, '-b', file());
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('CREATE_COMPLETE');
    expect(await hostnames()).toEqual({ Controller: ['overcloud-controller-0'], Compute: ['compute-special', 'overcloud-novacompute-1'], Storage: ['overcloud-storage-0'] });
    const res = JSON.parse((await oc('stack', 'resources', '--nested', '--format', 'json')).stdout) as { name: string; type: string }[];
    const servers = res.filter((x) => x.name === 'Server').map((x) => x.type);
    expect(servers).toEqual(Array(4).fill('OS::Heat::DeployedServer'));
    const stacks = JSON.parse((await oc('stack', 'list', '--format', 'json')).stdout) as { name: string; stack_status: string; deployment_status: string }[];
    expect(stacks.map((x) => [x.name, x.stack_status, x.deployment_status])).toEqual([['overcloud', 'CREATE_COMPLETE', 'DEPLOY_SUCCESS']]);
    // `-b` writes the environment beside where it runs, named after the stack.
    expect(readFileSync(path.join(d.dir, 'overcloud-baremetal-deployed.yaml'), 'utf8')).toContain('compute-special');
  });

  it('provisioned: false scales the role down (after asking); node unprovision then frees the node', async () => {
    writeFileSync(file(), deployment(false));
    const guarded = await oc(...DEPLOY, '-b', file());
    expect(guarded.code).toBe(4);
    expect(guarded.stderr).toContain('refusing to remove 1 server(s) from stack overcloud (compute-special;');
    const r = await oc(...DEPLOY, '-b', file(), '--yes');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain('still provisioned though marked provisioned: false: compute-special');
    expect(await hostnames()).toEqual({ Controller: ['overcloud-controller-0'], Compute: ['overcloud-novacompute-1'], Storage: ['overcloud-storage-0'] });
    expect((await nodes()).find((n) => n.name === 'cmp-b')!.provision_state).toBe('active');

    const refused = await oc('node', 'unprovision', file());
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('refusing to unprovision compute-special (node cmp-b) without --yes');
    const un = await oc('-f', 'json', 'node', 'unprovision', file(), '--yes');
    expect(un.code, un.stderr).toBe(0);
    expect(JSON.parse(un.stdout)).toEqual([expect.objectContaining({ hostname: 'compute-special', node: 'cmp-b', provision_state: 'available' })]);
    expect((await nodes()).find((n) => n.name === 'cmp-b')).toMatchObject({ provision_state: 'available', instance_info: {} });
    expect((await oc('node', 'unprovision', file(), '--yes')).stderr).toContain('nothing to unprovision');
  });

  it('node delete -b removes the instances the file marks provisioned: false from the stack, then unprovisions them', async () => {
    writeFileSync(file(), `
- name: Controller
  count: 1
  defaults: {profile: control}
- name: Compute
  count: 0
  defaults: {profile: compute}
  instances:
    - {hostname: compute-special, name: cmp-b, provisioned: false}
    - {hostname: overcloud-novacompute-1, provisioned: false}
- name: Storage
  count: 1
  defaults: {profile: storage}
`);
    const refused = await oc('node', 'delete', '-b', file());
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('refusing to remove overcloud-novacompute-1 from stack overcloud and unprovision overcloud-novacompute-1 without --yes');
    const r = await oc('node', 'delete', '-b', file(), '--yes');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('UPDATE_COMPLETE');
    expect(r.stderr).toContain('ComputeCount 1 -> 0\n'); // the file gives 0 too: nothing to set
    expect(r.stderr).toContain('unprovisioned overcloud-novacompute-1 (node cmp-a: available)');
    expect(r.stderr).not.toContain('stays deployed');
    expect((await hostnames()).Compute).toEqual([]);
    expect((await nodes()).filter((n) => n.provision_state === 'available').map((n) => n.name).sort()).toEqual(['cmp-a', 'cmp-b']);
    expect((await oc('node', 'delete', '-b', file(), '--yes')).stderr).toContain('nothing to delete');
    expect((await oc('node', 'delete')).code).toBe(4);
  });

  it('node delete takes a pre-provisioned server out of the stack and says its node stays deployed; unprovision --all frees the rest', async () => {
    const r = await oc('node', 'delete', 'overcloud-storage-0', '--yes');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain('overcloud-storage-0 was pre-provisioned: its node stays deployed');
    expect(r.stderr).toContain('StorageCount 1 -> 0');
    expect((await hostnames()).Storage).toEqual([]);
    expect((await nodes()).find((n) => n.name === 'sto-a')!.provision_state).toBe('active');

    const inUse = await oc('node', 'unprovision', '--all', file());
    expect(inUse.code).toBe(4); // no terminal, no --yes
    expect(inUse.stderr).toContain('warning: overcloud-controller-0 is still in stack overcloud (deploy without it first).');
    const del = await oc('delete', '--yes');
    expect(del.code, del.stderr).toBe(0);
    expect(del.stderr).toContain('the nodes provisioned for overcloud stay deployed: overcloud-controller-0 (node ');
    const un = await oc('-f', 'json', 'node', 'unprovision', '--all', '--yes', file());
    expect(un.code, un.stderr).toBe(0);
    expect((JSON.parse(un.stdout) as InstanceView[]).map((i) => i.hostname)).toEqual(['overcloud-controller-0', 'overcloud-storage-0']);
    expect((await nodes()).map((n) => n.provision_state)).toEqual(['available', 'available', 'available', 'available']);
  });
});
