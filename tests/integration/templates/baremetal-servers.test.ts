/**
 * The default templates onto fake bare-metal nodes through the real daemon and CLI (server_driver =
 * baremetal, fake agents): each role's servers are allocated by profile and deployed, their nodes carry
 * the hostname and the allocation. Then hardware that is gone: a node whose BMC died is put in
 * maintenance, unenrolled (Ironic allows any state in maintenance), and its server removed from the stack
 * with `overcloud node delete` (nothing left to release). Before and after, the pre-flight node count
 * refuses a deploy that asks for more servers than there are nodes, with nothing changed.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { runCli, OVERCLOUD_BIN, ROOT, type TestDaemon, daemonForBlock } from '../../helpers/daemon.js';

const T = path.join(ROOT, 'templates');
const DEPLOY = ['deploy', '--templates', T, '-e', path.join(T, 'environments', 'lab-minimal.yaml')];

interface NodeView { name: string; id: string; provision_state: string; instance_info: { hostname?: string; allocation_key?: string } }

describe('templates/ onto fake bare-metal nodes (server_driver = baremetal)', () => {
  let d: TestDaemon;
  daemonForBlock({ extraConfig: '[orchestration]\nserver_driver = baremetal\nagent_driver = fake\npoll_max_ms = 100\n\n[baremetal]\nsync_power_state_interval = 0\n' }, (x) => (d = x));
  const oc = (...args: string[]) => runCli(OVERCLOUD_BIN, args, d.configFile);
  const nodes = async () => JSON.parse((await oc('-f', 'json', 'node', 'list')).stdout) as NodeView[];

  it('allocates one node per server by profile and deploys it as the server\'s hostname', async () => {
    const file = path.join(d.dir, 'nodes.json');
    writeFileSync(file, JSON.stringify({
      nodes: ['control', 'compute', 'storage'].map((p, i) => ({ name: `${p}-a`, pm_type: 'fake', mac: [`52:54:00:dd:00:0${i}`], capabilities: `profile:${p}` })),
    }));
    expect((await oc('node', 'import', '--provide', file)).code).toBe(0);

    // The pre-flight node count: two Compute servers and one compute node is refused before anything starts.
    const plan = await oc(...DEPLOY, '-P', 'ComputeCount=2', '--dry-run');
    expect(plan.code, plan.stderr).toBe(6);
    expect(plan.stdout).toContain('OS::Heat::ResourceGroup');
    expect(plan.stderr).toContain('not enough nodes: Compute/*/Server: 2 new server(s) need nodes with {"profile":"compute"}, 1 available (no other node matches)');
    const refused = await oc(...DEPLOY, '-P', 'ComputeCount=2');
    expect(refused.code, refused.stderr).toBe(6);
    expect(refused.stderr).toContain('not enough nodes for stack overcloud, nothing was changed: Compute/*/Server: 2 new server(s) need nodes with {"profile":"compute"}, 1 available');
    expect(JSON.parse((await oc('-f', 'json', 'stack', 'list')).stdout)).toEqual([]);
    expect((await nodes()).map((n) => [n.provision_state, n.instance_info.allocation_key])).toEqual([['available', undefined], ['available', undefined], ['available', undefined]]);

    const r = await oc(...DEPLOY);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('CREATE_COMPLETE');
    expect((await nodes()).map((n) => [n.name, n.provision_state, n.instance_info.hostname]).sort()).toEqual([
      ['compute-a', 'active', 'overcloud-novacompute-0'], ['control-a', 'active', 'overcloud-controller-0'], ['storage-a', 'active', 'overcloud-storage-0'],
    ]);
  });

  it('a node that is gone: maintenance, unenroll from active, then node delete removes its server', async () => {
    const refused = await oc('node', 'unenroll', 'compute-a');
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('or a node in maintenance');
    expect((await oc('node', 'maintenance', 'set', 'compute-a', '--reason', 'BMC dead')).code).toBe(0);
    const un = await oc('node', 'unenroll', 'compute-a');
    expect(un.code, un.stderr).toBe(0);
    expect(un.stderr).toContain('node compute-a was serving overcloud-novacompute-0: remove that server from its stack with "overcloud node delete overcloud-novacompute-0"');

    const r = await oc('node', 'delete', 'overcloud-novacompute-0', '--yes');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('UPDATE_COMPLETE');
    expect(r.stderr).toContain('ComputeCount 1 -> 0');
    const hostnames = (JSON.parse((await oc('stack', 'outputs', '--format', 'json')).stdout) as { hostnames: Record<string, string[]> }).hostnames;
    expect(hostnames).toEqual({ Controller: ['overcloud-controller-0'], Compute: [], Storage: ['overcloud-storage-0'] });
    expect((await nodes()).map((n) => n.name).sort()).toEqual(['control-a', 'storage-a']);

    // Back to one Compute without a compute node: refused up front, the stack as it was.
    const again = await oc(...DEPLOY, '-P', 'ComputeCount=1', '--yes');
    expect(again.code, again.stderr).toBe(6);
    expect(again.stderr).toContain('Compute/*/Server: 1 new server(s) need nodes with {"profile":"compute"}, 0 available (no other node matches)');
    expect((await oc('stack', 'list')).stdout).toContain('UPDATE_COMPLETE');
  });

  it('node extract provisioned, then deploy -b: the stack adopts its own nodes as pre-provisioned servers, nothing redeployed', async () => {
    const file = path.join(d.dir, 'extracted.yaml');
    const x = await oc('node', 'extract', 'provisioned', '-o', file, '-r', path.join(T, 'roles_data.yaml'));
    expect(x.code, x.stderr).toBe(0);
    expect(parseYaml(readFileSync(file, 'utf8'))).toEqual([
      { name: 'Controller', count: 1, hostname_format: '%stackname%-controller-%index%', defaults: { profile: 'control', image: { href: 'overcloud-lab-minimal' } }, instances: [{ hostname: 'overcloud-controller-0', name: 'control-a' }] },
      { name: 'Compute', count: 0, hostname_format: '%stackname%-novacompute-%index%', instances: [] },
      { name: 'Storage', count: 1, hostname_format: '%stackname%-storage-%index%', defaults: { profile: 'storage', image: { href: 'overcloud-lab-minimal' } }, instances: [{ hostname: 'overcloud-storage-0', name: 'storage-a' }] },
    ]);
    const moves = async () => (await Promise.all(['control-a', 'storage-a'].map(async (n) => (JSON.parse((await oc('-f', 'json', 'node', 'show', n)).stdout) as { history: { to: string }[] }).history)))
      .flat().filter((h) => h.to === 'deploying' || h.to === 'deleting').length;
    const before = await moves();

    const r = await oc(...DEPLOY, '-b', file);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('UPDATE_COMPLETE');
    expect(await moves()).toBe(before);
    expect((await nodes()).map((n) => [n.name, n.provision_state, n.instance_info.hostname, n.instance_info.allocation_key]).sort()).toEqual([
      ['control-a', 'active', 'overcloud-controller-0', 'provision:overcloud:overcloud-controller-0'],
      ['storage-a', 'active', 'overcloud-storage-0', 'provision:overcloud:overcloud-storage-0'],
    ]);
    const res = JSON.parse((await oc('-f', 'json', 'stack', 'resources', '--nested')).stdout) as { type: string; physical_id: string }[];
    expect(res.filter((x) => x.type === 'OS::TripleO::Server')).toEqual([]);
    expect(res.filter((x) => x.type === 'OS::Heat::DeployedServer').map((x) => x.physical_id).sort()).toEqual(['overcloud-controller-0', 'overcloud-storage-0']);
  });

  it('overcloud delete -b: the stack goes, then the nodes provisioned for it are unprovisioned', async () => {
    const r = await oc('delete', '-b', path.join(d.dir, 'extracted.yaml'), '--yes');
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain('unprovisioning overcloud-controller-0 (node control-a), overcloud-storage-0 (node storage-a)');
    expect((await nodes()).map((n) => [n.name, n.provision_state, n.instance_info.allocation_key])).toEqual([['control-a', 'available', undefined], ['storage-a', 'available', undefined]]);
    expect(JSON.parse((await oc('-f', 'json', 'stack', 'list')).stdout)).toEqual([]);
  });
});
