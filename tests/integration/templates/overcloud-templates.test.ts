/**
 * The default overcloud templates through the real daemon and the real CLI, with fake servers and fake
 * agents, exactly as an operator types it: `overcloud deploy --templates templates -r
 * templates/roles_data.yaml -e templates/environments/lab-minimal.yaml` (dry-run, create, no-op
 * redeploy, ComputeCount=2, `overcloud credentials`, `overcloud node delete`), then the full service set as an
 * update, then `overcloud delete`.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Metadata } from '@grpc/grpc-js';
import { parse } from 'yaml';
import { runCli, OVERCLOUD_BIN, ROOT, type TestDaemon, daemonForBlock, FAKE_ORCHESTRATION_CONFIG } from '../../helpers/daemon.js';
import { OrchestrationClient } from '../../../proto/gen/undercloud/v1/orchestration.js';

const T = path.join(ROOT, 'templates');
const BASE = ['deploy', '--templates', T, '-r', path.join(T, 'roles_data.yaml')];
const LAB = ['-e', path.join(T, 'environments', 'lab-minimal.yaml')];

interface Plan { resources: { name: string; type: string; action: string; properties: Record<string, unknown>; unknown: string[] }[] }
interface Outputs { admin_password: string; overcloudrc: string; KeystoneURL: string; endpoints: Record<string, string>; hostnames: Record<string, string[]>; EnabledServices: Record<string, string[]> }

function oc(d: TestDaemon, args: string[]) {
  return runCli(OVERCLOUD_BIN, args, d.configFile);
}

function rpc<Res>(d: TestDaemon, method: 'getOutputs' | 'listStackEvents', req: object): Promise<Res> {
  const c = d.client(OrchestrationClient);
  const fn = c[method] as unknown as (r: object, md: Metadata, o: object, cb: (e: Error | null, r: Res) => void) => void;
  return new Promise((resolve, reject) => fn.call(c, req, new Metadata(), { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r))));
}
const outputs = async (d: TestDaemon) => JSON.parse((await rpc<{ outputsJson: string }>(d, 'getOutputs', { name: 'overcloud' })).outputsJson) as Outputs;
const events = async (d: TestDaemon) => (await rpc<{ events: { kind: string; message: string }[] }>(d, 'listStackEvents', { name: 'overcloud', afterId: 0, limit: 100_000 })).events;

describe('templates/ through the daemon and the CLI (fake servers and agents)', () => {
  let d: TestDaemon;
  daemonForBlock({ extraConfig: FAKE_ORCHESTRATION_CONFIG }, (x) => (d = x));

  it('--dry-run --format json prints the lab-minimal plan and creates nothing', async () => {
    const r = await oc(d, [...BASE, ...LAB, '--dry-run', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as Plan;
    const res = (n: string) => plan.resources.find((x) => x.name === n)!;
    expect(res('ControllerServiceChain').properties.resources).toEqual(['OS::TripleO::Services::MySQL', 'OS::TripleO::Services::Keystone']);
    expect(res('ComputeServiceChain').properties.resources).toEqual(['OS::TripleO::Services::Timesync']);
    expect(res('StorageServiceChain').properties.resources).toEqual(['OS::TripleO::Services::Memcached']);
    for (const role of ['Controller', 'Compute', 'Storage']) {
      expect(res(role).type).toBe('OS::Heat::ResourceGroup');
      expect(res(role).properties.count).toBe(1);
    }
    expect(plan.resources.filter((x) => x.type === 'OS::TripleO::DeployStep').map((x) => x.name)).toEqual([0, 1, 2, 3, 4, 5].map((n) => `DeployStep${n}`));
    expect(plan.resources.every((x) => x.action === 'create')).toBe(true);
    expect((await oc(d, ['status'])).code).toBe(5);
  });

  it('deploys lab-minimal and reports the endpoints and the credentials', async () => {
    const r = await oc(d, [...BASE, ...LAB]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('CREATE_COMPLETE');
    const out = await outputs(d);
    expect(out.endpoints).toEqual({ keystone: out.KeystoneURL });
    expect(out.KeystoneURL).toMatch(/^http:\/\/[0-9.]+:5000$/);
    expect(out.admin_password).toMatch(/^[A-Za-z0-9]{25}$/);
    expect(out.overcloudrc).toContain(`export OS_PASSWORD=${out.admin_password}\n`);
    expect(out.overcloudrc).toContain(`export OS_AUTH_URL=${out.KeystoneURL}\n`);
    expect(out.EnabledServices).toEqual({ Controller: ['mysql', 'keystone'], Compute: ['timesync'], Storage: ['memcached'] });
    const cli = await oc(d, ['stack', 'outputs', '--format', 'json']);
    expect((JSON.parse(cli.stdout) as Outputs).admin_password).toBe(out.admin_password);
    // `overcloud credentials` writes the same file again, as TripleO's does.
    const creds = await oc(d, ['credentials', '--directory', d.dir]);
    expect(creds.code, creds.stderr).toBe(0);
    const rc = path.join(d.dir, 'overcloudrc');
    expect(readFileSync(rc, 'utf8')).toBe(out.overcloudrc.endsWith('\n') ? out.overcloudrc : `${out.overcloudrc}\n`);
    expect(statSync(rc).mode & 0o777).toBe(0o600);
    expect((await oc(d, ['credentials', '--stack', 'nope', '--directory', d.dir])).code).toBe(5);
    // The deploy also left the stack's secrets behind (TripleO's passwords file), readable by the owner only.
    const secrets = path.join(d.dir, 'overcloud-passwords.yaml');
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    const env = parse(readFileSync(secrets, 'utf8')) as { parameter_defaults: Record<string, unknown> };
    expect(env.parameter_defaults).toMatchObject({ AdminPassword: out.admin_password, MysqlRootPassword: expect.stringMatching(/^[A-Za-z0-9]{25}$/) });
    const fernet = env.parameter_defaults.KeystoneFernetKeys as Record<string, { content: string }>;
    expect(Object.keys(fernet)).toEqual(['/etc/keystone/fernet-keys/0', '/etc/keystone/fernet-keys/1']);
    for (const k of Object.values(fernet)) expect(k.content).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(env.parameter_defaults.KeystoneCredential0).toMatch(/^[A-Za-z0-9_-]{43}=$/);
  });

  it('a no-op redeploy touches no resource and keeps the passwords', async () => {
    const before = await events(d);
    const pw = (await outputs(d)).admin_password;
    const r = await oc(d, [...BASE, ...LAB]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const after = await events(d);
    expect(after.slice(before.length).filter((e) => e.kind.startsWith('stack.resource.'))).toEqual([]);
    expect((await outputs(d)).admin_password).toBe(pw);
  });

  it('--reapply-config runs the deploy steps again on the servers named, or on all; a typo is refused', async () => {
    type Ev = { kind: string; message: string };
    const asked = async (from: number) => (await events(d) as Ev[]).slice(from).filter((e) => e.kind === 'stack.resource.UPDATE_IN_PROGRESS' && e.message.includes('as asked (--reapply-config)'));
    const dry = await oc(d, [...BASE, ...LAB, '--reapply-config', 'overcloud-controller-0', '--dry-run', '--format', 'json']);
    expect(dry.code, dry.stderr).toBe(0);
    const steps = (JSON.parse(dry.stdout) as Plan).resources.filter((x) => x.type === 'OS::TripleO::DeployStep');
    expect(steps.map((x) => x.action)).toEqual(Array(6).fill('update')); // each step holds a deployment to run again

    let from = (await events(d)).length;
    const one = await oc(d, [...BASE, ...LAB, '--reapply-config', 'overcloud-controller-0']);
    expect(one.code, one.stderr + one.stdout).toBe(0);
    const onController = await asked(from);
    expect(onController).toHaveLength(6); // steps 0-5 on the one controller
    for (const e of onController) expect(e.message).toContain('overcloud-controller-0');

    from = (await events(d)).length;
    const all = await oc(d, [...BASE, ...LAB, '--reapply-config']);
    expect(all.code, all.stderr + all.stdout).toBe(0);
    expect(await asked(from)).toHaveLength(18); // 6 steps x 3 servers

    // Unknown server: refused with the stack's hostnames, nothing started; TripleO's opposite option conflicts.
    from = (await events(d)).length;
    const typo = await oc(d, [...BASE, ...LAB, '--reapply-config', 'overcloud-controler-0']);
    expect(typo.code).toBe(5);
    expect(typo.stderr).toContain('stack overcloud has no server overcloud-controler-0 (its servers: overcloud-controller-0, overcloud-novacompute-0, overcloud-storage-0)');
    expect((await oc(d, [...BASE, ...LAB, '--reapply-config', '--skip-deploy-identifier'])).code).toBe(2);
    // TripleO's VIP file is refused plainly, before anything is sent.
    const vips = await oc(d, [...BASE, ...LAB, '--vip-file', 'vip_data.yaml']);
    expect(vips.code).toBe(4);
    expect(vips.stderr).toContain('--vip-file vip_data.yaml: virtual IPs are not supported');
    // --skip-deploy-identifier alone is what a deploy does anyway: nothing runs.
    const skip = await oc(d, [...BASE, ...LAB, '--skip-deploy-identifier']);
    expect(skip.code, skip.stderr).toBe(0);
    expect((await events(d)).slice(from).filter((e) => e.kind.startsWith('stack.resource.'))).toEqual([]);
  });

  it('-P ComputeCount=2 adds a compute node', async () => {
    const pw = (await outputs(d)).admin_password;
    const r = await oc(d, [...BASE, ...LAB, '-P', 'ComputeCount=2']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = await outputs(d);
    expect(out.hostnames).toEqual({ Controller: ['overcloud-controller-0'], Compute: ['overcloud-novacompute-0', 'overcloud-novacompute-1'], Storage: ['overcloud-storage-0'] });
    expect(out.admin_password).toBe(pw);
  });

  it('`overcloud node delete` removes a Compute node by hostname from the roles_data-rendered group', async () => {
    const pw = (await outputs(d)).admin_password;
    const r = await oc(d, ['node', 'delete', 'overcloud-novacompute-0', '--yes']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain('ComputeCount 2 -> 1');
    const out = await outputs(d);
    expect(out.hostnames.Compute).toEqual(['overcloud-novacompute-1']);
    expect(out.admin_password).toBe(pw);

    // A deploy that would take the last Compute node away says so and, with no terminal, wants --yes.
    const guarded = await oc(d, [...BASE, ...LAB, '-P', 'ComputeCount=0']);
    expect(guarded.code).toBe(4);
    expect(guarded.stderr).toContain('refusing to remove 1 server(s) from stack overcloud (overcloud-novacompute-1;');
    expect((await outputs(d)).hostnames.Compute).toEqual(['overcloud-novacompute-1']);
  });

  it('updates to the full service set, then deletes the overcloud', async () => {
    const pw = (await outputs(d)).admin_password;
    const r = await oc(d, [...BASE, '-P', 'ComputeCount=2']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('UPDATE_COMPLETE');
    const out = await outputs(d);
    expect(Object.keys(out.endpoints).sort()).toEqual(['cinder', 'glance', 'horizon', 'keystone', 'neutron', 'nova', 'placement']);
    expect(out.EnabledServices.Storage).toEqual(['timesync', 'cinder_volume', 'swift_storage']);
    expect(out.admin_password).toBe(pw);
    const del = await oc(d, ['delete', '--yes']);
    expect(del.code, del.stderr).toBe(0);
    expect((await oc(d, ['status'])).code).toBe(5);
  });

  it('overcloud export: the secrets of a stack, with which a stack deployed again from nothing keeps them', async () => {
    expect((await oc(d, [...BASE, ...LAB])).code).toBe(0);
    const file = path.join(d.dir, 'exported.yaml');
    const exported = await oc(d, ['export', '-o', file]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`14 secret parameter(s) of overcloud written to ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const before = (parse(readFileSync(file, 'utf8')) as { parameter_defaults: Record<string, unknown> }).parameter_defaults;
    expect(before.AdminPassword).toBe((await outputs(d)).admin_password);
    const again = await oc(d, ['export', '-o', file]);
    expect(again.code).toBe(6);
    expect(again.stderr).toContain(`${file} exists; --force-overwrite replaces it`);
    expect((await oc(d, ['export', '--stack', 'nope', '-o', path.join(d.dir, 'nope.yaml')])).code).toBe(5);

    // The stack is lost; deployed again with the export, every secret is the same (nothing is generated anew).
    expect((await oc(d, ['delete', '--yes'])).code).toBe(0);
    const redeployed = await oc(d, [...BASE, ...LAB, '-e', file]);
    expect(redeployed.code, redeployed.stderr).toBe(0);
    expect((await oc(d, ['export', '-o', file, '--force-overwrite'])).code).toBe(0);
    expect((parse(readFileSync(file, 'utf8')) as { parameter_defaults: Record<string, unknown> }).parameter_defaults).toEqual(before);
    expect((await oc(d, ['delete', '--yes'])).code).toBe(0);
  });
});

describe('isolated networks through the daemon and the CLI: network provision, deploy -n, ports, unprovision', () => {
  let d: TestDaemon;
  daemonForBlock({ extraConfig: FAKE_ORCHESTRATION_CONFIG }, (x) => (d = x));
  const NETWORKS = path.join(T, 'network_data.yaml');

  it('a broken network_data.yaml is refused at its line, before anything is provisioned or deployed', async () => {
    const bad = path.join(d.dir, 'bad_network_data.yaml');
    writeFileSync(bad, readFileSync(NETWORKS, 'utf8').replace('ip_subnet: 172.16.2.0/24', 'ip_subnet: 172.16.2.1/24'));
    for (const args of [['network', 'provision', bad], [...BASE, ...LAB, '-n', bad]]) {
      const r = await oc(d, args);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/bad_network_data\.yaml:36:18: .*network InternalApi: "172\.16\.2\.1\/24" has host bits set/);
    }
    const list = await oc(d, ['network', 'list', '--format', 'json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expect((await oc(d, ['status'])).code).toBe(5);
  });

  it('provision, deploy -n, the addresses held; unprovision refused while held, done once the stack is gone', async () => {
    const prov = await oc(d, ['network', 'provision', NETWORKS]);
    expect(prov.code, prov.stderr).toBe(0);
    expect(prov.stderr).toContain('networks: created Storage, StorageMgmt, InternalApi, Tenant, External');
    expect(prov.stdout).toMatch(/^InternalApi +internal_api +internal_api_subnet +172\.16\.2\.0\/24 +20 +1500 +172\.16\.2\.4-172\.16\.2\.250 +0$/m);
    // JSON in snake_case, as every other command's.
    const listed = (JSON.parse((await oc(d, ['network', 'list', '--format', 'json'])).stdout) as Record<string, unknown>[]).find((n) => n.name === 'InternalApi');
    expect(listed).toMatchObject({
      name_lower: 'internal_api', mtu: 1500, vip: true, ports: 0,
      subnets: [{ name: 'internal_api_subnet', cidr: '172.16.2.0/24', vlan: 20, gateway: null, allocation_pools: [{ start: '172.16.2.4', end: '172.16.2.250' }] }],
    });

    // deploy -n provisions again (nothing changes), then every server gets its role's networks.
    const r = await oc(d, [...BASE, ...LAB, '-n', NETWORKS]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toContain('networks: unchanged Storage, StorageMgmt, InternalApi, Tenant, External');
    const ports = JSON.parse((await oc(d, ['network', 'ports', '--format', 'json'])).stdout) as { hostname: string; network: string; ip_address: string; vlan: number }[];
    expect(ports.filter((p) => p.hostname === 'overcloud-controller-0').map((p) => p.network).sort()).toEqual(['External', 'InternalApi', 'Storage', 'StorageMgmt', 'Tenant']);
    expect(ports.filter((p) => p.hostname === 'overcloud-novacompute-0').map((p) => p.network).sort()).toEqual(['InternalApi', 'Storage', 'Tenant']);
    expect(ports.find((p) => p.hostname === 'overcloud-novacompute-0' && p.network === 'InternalApi')!.ip_address).toMatch(/^172\.16\.2\.\d+$/);
    const api = JSON.parse((await oc(d, ['network', 'ports', 'internal_api', '--format', 'json'])).stdout) as { hostname: string; vlan: number }[];
    expect(api.map((p) => p.hostname).sort()).toEqual(['overcloud-controller-0', 'overcloud-novacompute-0', 'overcloud-storage-0']);
    expect(api.every((p) => p.vlan === 20)).toBe(true);
    const out = await outputs(d) as unknown as { HostsEntry: string };
    expect(out.HostsEntry).toMatch(/^172\.16\.2\.\d+ overcloud-novacompute-0\.internalapi\.localdomain overcloud-novacompute-0\.internalapi$/m);

    // A deploy without -n keeps the stack on the ctlplane: its servers give their addresses back.
    const held = await oc(d, ['network', 'unprovision', NETWORKS, '--yes']);
    expect(held.code).toBe(6);
    expect(held.stderr).toMatch(/network \w+ holds \d address\(es\) \(overcloud-/);
    const plain = await oc(d, [...BASE, ...LAB]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(JSON.parse((await oc(d, ['network', 'ports', '--format', 'json'])).stdout)).toEqual([]);
    const gone = await oc(d, ['network', 'unprovision', '--all', '--yes']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stdout).toBe('deleted External, InternalApi, Storage, StorageMgmt, Tenant\n');
    expect((await oc(d, ['network', 'unprovision', '--yes'])).code).toBe(4);
    expect((await oc(d, ['delete', '--yes'])).code).toBe(0);
  });
});
