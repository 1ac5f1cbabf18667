/**
 * A custom role as a TripleO operator makes one, through the real CLI and daemon (fake servers and
 * agents): `overcloud roles list|show`, `overcloud roles generate -o roles_data.yaml Controller Compute
 * Compute:ComputeEdge`, then `overcloud deploy -r roles_data.yaml`: the CLI renders overcloud.j2.yaml with
 * those roles and the new role gets servers and every deploy step.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runCli, OVERCLOUD_BIN, ROOT, type TestDaemon, daemonForBlock, FAKE_ORCHESTRATION_CONFIG } from '../../helpers/daemon.js';

const T = path.join(ROOT, 'templates');

describe('custom roles: overcloud roles generate, then deploy', () => {
  let d: TestDaemon;
  daemonForBlock({ extraConfig: FAKE_ORCHESTRATION_CONFIG }, (x) => (d = x));
  const oc = (...args: string[]) => runCli(OVERCLOUD_BIN, args, d.configFile);

  it('lists and shows the roles of templates/roles_data', async () => {
    const list = await oc('-f', 'json', 'roles', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((r) => r.name)).toEqual(['BlockStorage', 'Compute', 'Controller', 'ObjectStorage', 'Storage']);
    const show = await oc('-f', 'json', 'role', 'show', 'ObjectStorage');
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: 'ObjectStorage', role_parameters_default: { Profile: 'swift-storage' }, services_default: ['OS::TripleO::Services::Timesync', 'OS::TripleO::Services::SwiftStorage'] });
    const missing = await oc('roles', 'show', 'Networker');
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('no role Networker in');
  });

  it('generates roles_data.yaml with a renamed Compute and deploys it: the new role has servers and steps', async () => {
    const file = path.join(d.dir, 'roles_data.yaml');
    const gen = await oc('roles', 'generate', '-o', file, 'Controller', 'Compute', 'Compute:ComputeEdge', 'Storage');
    expect(gen.code, gen.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('- name: ComputeEdge');
    const bad = await oc('roles', 'generate', 'Compute:Edge');
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain('the new name must start with Compute');

    const r = await oc('-f', 'json', 'deploy', '--templates', T, '-r', file, '-e', path.join(T, 'environments', 'lab-minimal.yaml'));
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const view = JSON.parse(r.stdout) as { status: string; outputs: { hostnames: Record<string, string[]>; EnabledServices: Record<string, string[]> } };
    expect(view.status).toBe('COMPLETE');
    expect(view.outputs.hostnames).toEqual({
      Controller: ['overcloud-controller-0'], Compute: ['overcloud-novacompute-0'], ComputeEdge: ['overcloud-computeedge-0'], Storage: ['overcloud-storage-0'],
    });
    // lab-minimal sets ComputeServices only: the new role runs its roles_data services.
    expect(view.outputs.EnabledServices.ComputeEdge).toEqual(['timesync', 'nova_compute', 'neutron_linuxbridge_agent']);
    const res = JSON.parse((await oc('-f', 'json', 'stack', 'resources', '--nested')).stdout) as { name: string; state: string }[];
    const steps = res.filter((x) => x.name === 'ComputeEdgeDeployment');
    expect(steps).toHaveLength(6);
    expect(steps.map((x) => x.state)).toEqual(Array(6).fill('CREATE_COMPLETE'));
  });

  it('an error in a rendered template: the message cites overcloud.yaml and the CLI writes it out to read', async () => {
    const dir = path.join(d.dir, 'tpl');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'roles_data.yaml'), '- name: Edge\n');
    writeFileSync(path.join(dir, 'overcloud.j2.yaml'), 'heat_template_version: wallaby\nresources:\n{% for role in roles %}\n  {{ role.name }}Thing: {type: OS::No::Such}\n{% endfor %}\n');
    const r = await oc('deploy', '--templates', dir, '--stack', 'broken');
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/overcloud\.yaml:3:\d+: .*OS::No::Such/);
    const at = /the rendered text these positions refer to is in (\S+)/.exec(r.stderr);
    expect(at, r.stderr).not.toBeNull();
    expect(r.stderr).toContain('overcloud.yaml is rendered from overcloud.j2.yaml with the roles');
    try {
      expect(readFileSync(path.join(at![1]!, 'overcloud.yaml'), 'utf8').split('\n')[2]).toBe('  EdgeThing: {type: OS::No::Such}');
    } finally {
      rmSync(at![1]!, { recursive: true, force: true });
    }
  });
});
