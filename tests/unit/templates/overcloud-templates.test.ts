/**
 * The default overcloud templates (templates/) through the engine's template loader and the in-process
 * engine with fake servers and fake agents: they load with roles rendering (as `overcloud deploy
 * --templates templates -r templates/roles_data.yaml [-e environments/lab-minimal.yaml]` does), the plan
 * has each role's resources, a create converges with the steps in TripleO's order, counts scale, passwords
 * survive updates, and every step script a node would run is valid bash and passes shellcheck.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadBundle, parseStack, type TemplateErrors } from '../../../undercloud/orchestration/template/index.js';
import type { Json, TemplateBundle } from '../../../undercloud/orchestration/template/types.js';
import type { DeploymentRequest } from '../../../undercloud/orchestration/ports.js';
import { harness, type Harness } from '../../fakes/orchestration/harness.js';
import { requireTools } from '../../helpers/tools.js';
import { generateRolesData } from '../../../undercloud/orchestration/roles/role-files.js';
import { parseNetworkData } from '../../../undercloud/orchestration/roles/network-data.js';
import { loadElement } from '../../../disk-image-builder/element.js';
import { DEFAULT_ELEMENTS_DIR, resolveElements } from '../../../disk-image-builder/runner.js';
import { parseImageDefinitions } from '../../../disk-image-builder/image-definition.js';

const T = path.resolve(import.meta.dirname, '../../../templates');
const LAB = path.join(T, 'environments', 'lab-minimal.yaml');
const LAB_FULL = path.join(T, 'environments', 'lab-full.yaml');
const ROLES = ['Controller', 'Compute', 'Storage'] as const;
const TIMEOUT = 120_000;

interface RoleData { name: string; CountDefault: number; HostnameFormatDefault: string; ServicesDefault: string[]; tags: string[] }
const rolesData = parseYaml(readFileSync(path.join(T, 'roles_data.yaml'), 'utf8')) as RoleData[];
const registry = (parseYaml(readFileSync(path.join(T, 'overcloud-resource-registry.yaml'), 'utf8')) as { resource_registry: Record<string, string> }).resource_registry;
const labDefaults = (parseYaml(readFileSync(LAB, 'utf8')) as { parameter_defaults: Record<string, Json> }).parameter_defaults;

const NETWORKS = path.join(T, 'network_data.yaml');

function bundle(envs: string[] = [], networksData?: string): Promise<TemplateBundle> {
  return loadBundle(T, { rolesData: path.join(T, 'roles_data.yaml'), environments: envs, ...(networksData ? { networksData } : {}) });
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [path.relative(T, p)];
  });
}

/** One dispatched step script: role and step read from its header. */
interface StepRun { role: string; step: number; server: string; action: string; script: string; inputs: Record<string, Json> }
function runs(reqs: DeploymentRequest[]): StepRun[] {
  return reqs.map((r) => {
    const script = String(r.config.config);
    const m = /^# overcloud: role (\w+), deploy step (\d)/m.exec(script);
    if (!m) throw new Error(`not a deploy step script: ${script.slice(0, 200)}`);
    return { role: m[1]!, step: Number(m[2]), server: r.serverId, action: r.action, script, inputs: r.inputs };
  });
}
const scriptOf = (rs: StepRun[], role: string, step: number) => rs.find((r) => r.role === role && r.step === step)!.script;
/** The services a step script runs: the first `log "<service>: ..."` of each fragment. */
const logged = (script: string) =>
  script
    .split('# shellcheck shell=bash\n')
    .map((f) => /^\s*log "([a-z-]+)[:"]/m.exec(f)?.[1])
    .filter((x): x is string => x !== undefined);

let h: Harness | undefined;
/** Environment files a test writes; removed after it. */
let envDir: string | undefined;
function envFile(name: string, text: string): string {
  envDir ??= mkdtempSync(path.join(tmpdir(), 'oc-env-'));
  const f = path.join(envDir, name);
  writeFileSync(f, text);
  return f;
}

afterEach(() => {
  h?.close();
  h = undefined;
  if (envDir) rmSync(envDir, { recursive: true, force: true });
  envDir = undefined;
});

describe('templates/: files', () => {
  it('roles_data.yaml has Controller, Compute and Storage with counts, hostname formats, services and tags', () => {
    expect(rolesData.map((r) => r.name)).toEqual([...ROLES]);
    expect(rolesData.map((r) => r.CountDefault)).toEqual([1, 1, 1]);
    expect(rolesData.map((r) => r.HostnameFormatDefault)).toEqual(['%stackname%-controller-%index%', '%stackname%-novacompute-%index%', '%stackname%-storage-%index%']);
    expect(rolesData[0]!.tags).toEqual(['primary', 'controller']);
    for (const r of rolesData) expect(r.ServicesDefault.length).toBeGreaterThan(0);
  });

  it('the registry maps every service the roles and lab-minimal name, to a file that exists', () => {
    const named = new Set([...rolesData.flatMap((r) => r.ServicesDefault), ...ROLES.flatMap((r) => (labDefaults[`${r}Services`] as string[]) ?? [])]);
    for (const s of named) {
      expect(registry[s], s).toBeDefined();
      expect(statSync(path.join(T, registry[s]!)).isFile(), registry[s]).toBe(true);
    }
  });

  it('the loader reads every template and script of the tree (nothing on disk is left unused)', async () => {
    // Ironic-provisioned servers (the default) and pre-provisioned ones (environments/deployed-server.yaml).
    // With isolated networks (-n network_data.yaml) too.
    const files = { ...(await bundle([LAB], NETWORKS)).files, ...(await bundle([LAB, path.join(T, 'environments', 'deployed-server.yaml')])).files };
    // roles_data/ holds role files for `overcloud roles generate`, not templates.
    const onDisk = walk(T).filter((f) => /\.(ya?ml|sh)$/.test(f) && !f.startsWith('environments/') && !f.startsWith('roles_data/'));
    // A Jinja2 template is bundled as what it renders (overcloud.j2.yaml -> overcloud.yaml).
    const unused = onDisk.filter((f) => files[f.replace(/\.j2\.yaml$/, '.yaml')] === undefined);
    expect(unused).toEqual([]);
  });

  it('every script fragment parses (bash -n); a whole script (a config of its own) passes shellcheck', () => {
    for (const f of walk(T).filter((x) => x.endsWith('.sh'))) {
      execFileSync('bash', ['-n', path.join(T, f)]);
      const text = readFileSync(path.join(T, f), 'utf8');
      if (text.startsWith('#!/bin/bash\n')) {
        expect(execFileSync('shellcheck', ['-f', 'gcc', path.join(T, f)], { encoding: 'utf8' }), f).toBe('');
        continue;
      }
      expect(text.startsWith('# shellcheck shell=bash\n'), f).toBe(true);
    }
  });

  it('worker_count and uwsgi_processes: the <Service>Workers given, else one per CPU, at most 8', () => {
    requireTools([['crudini', 'crudini']]);
    const dir = mkdtempSync(path.join(tmpdir(), 'uc-workers-'));
    try {
      // A node with 16 CPUs (a fake nproc first in PATH) and Debian's uwsgi file with 8 processes.
      writeFileSync(path.join(dir, 'nproc'), '#!/bin/sh\necho 16\n', { mode: 0o755 });
      const ini = path.join(dir, 'api-uwsgi.ini');
      writeFileSync(ini, '[uwsgi]\nprocesses = 8\nthreads = 32\n');
      const run = (snippet: string) => execFileSync('bash', ['-c', `source "${path.join(T, 'common/lib.sh')}"; ${snippet}`], {
        encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}`, OC_STATE: path.join(dir, 'state') },
      }).trim();
      expect(run('worker_count 3; worker_count 0; worker_count ""').split('\n')).toEqual(['3', '8', '8']);
      run(`uwsgi_processes "${ini}" 2`);
      expect(readFileSync(ini, 'utf8')).toMatch(/processes = 2\n[^]*threads = 32/);
      run(`uwsgi_processes "${ini}" 0`);
      expect(readFileSync(ini, 'utf8')).toContain('processes = 8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the golden image element openstack-packages', () => {
  it('resolves with overcloud-base and preinstalls every package a service of the templates needs', () => {
    const [def] = parseImageDefinitions('- imagename: overcloud-full\n  elements: [overcloud-base, openstack-packages]\n');
    const { elements } = resolveElements(def!, [DEFAULT_ELEMENTS_DIR]);
    expect(elements.map((e) => e.name)).toEqual(expect.arrayContaining(['debian', 'overcloud-base', 'openstack-packages']));
    const el = loadElement(path.join(DEFAULT_ELEMENTS_DIR, 'openstack-packages'));
    expect(el.deps).toEqual(['overcloud-base', 'openstack-services-off']);
    expect(elements.map((e) => e.name)).toContain('openstack-services-off');
    const off = loadElement(path.join(DEFAULT_ELEMENTS_DIR, 'openstack-services-off'));
    expect(off.phases['finalise.d']?.map((x) => x.name)).toEqual(['60-openstack-services-off']);
    const listed = new Set(el.packages.map((x) => x.name));
    const needed = new Set(['crudini', 'curl']);
    for (const f of walk(T).filter((x) => x.startsWith('deployment/') && x.endsWith('.yaml'))) {
      const doc = parseYaml(readFileSync(path.join(T, f), 'utf8')) as { outputs: { role_data: { value: { packages?: string[] } } } };
      for (const p of doc.outputs.role_data.value.packages ?? []) needed.add(p);
    }
    expect([...needed].filter((p) => !listed.has(p))).toEqual([]);
  });
});

describe('the lab image element openstack-lab-packages', () => {
  it("preinstalls every package of lab-minimal's services, and the lab image definition uses it", () => {
    const el = loadElement(path.join(DEFAULT_ELEMENTS_DIR, 'openstack-lab-packages'));
    expect(el.deps).toEqual(['overcloud-base', 'openstack-services-off']);
    const listed = new Set(el.packages.map((x) => x.name));
    const services = ROLES.flatMap((r) => labDefaults[`${r}Services`] as string[]);
    const needed = new Set(['crudini', 'curl']);
    for (const s of services) {
      const doc = parseYaml(readFileSync(path.join(T, registry[s]!), 'utf8')) as { outputs: { role_data: { value: { packages?: string[] } } } };
      for (const p of doc.outputs.role_data.value.packages ?? []) needed.add(p);
    }
    expect([...needed].filter((p) => !listed.has(p))).toEqual([]);
    const defs = parseImageDefinitions(readFileSync(path.join(DEFAULT_ELEMENTS_DIR, '..', 'overcloud-images-lab.yaml'), 'utf8'));
    const image = defs.find((d) => d.imagename === 'overcloud-lab-minimal')!;
    expect(image.elements).toEqual(expect.arrayContaining(['overcloud-base', 'openstack-lab-packages']));
    expect(defs.find((d) => d.imagename === 'deploy-ramdisk')?.ramdisk).toBe(true);
    for (const r of ROLES) expect(labDefaults[`${r}Image`]).toBe('overcloud-lab-minimal');
  });
});

describe('templates/: validation and plan', () => {
  it('the full overcloud, lab-full and lab-minimal validate with roles rendered', async () => {
    for (const envs of [[], [LAB_FULL], [LAB]]) {
      const parsed = parseStack(await bundle(envs));
      for (const r of ROLES) {
        expect(parsed.definition.resources[r]!.type).toBe('OS::Heat::ResourceGroup');
        expect(parsed.parameterValues[`${r}Count`]).toBe(1);
      }
    }
    // lab-full only sizes the default overcloud: every parameter it sets is one the templates declare.
    const b = await bundle([LAB_FULL]);
    const declared = new Set(Object.entries(b.files).filter(([f]) => /\.ya?ml$/.test(f))
      .flatMap(([, text]) => Object.keys((parseYaml(String(text)) as { parameters?: Record<string, unknown> } | null)?.parameters ?? {}))
      .concat(Object.keys(parseStack(b).parameterValues))); // the root's, with the roles rendered (<Role>Count)
    const set = Object.keys((parseYaml(readFileSync(LAB_FULL, 'utf8')) as { parameter_defaults: Record<string, unknown> }).parameter_defaults);
    expect(set.filter((p) => !declared.has(p))).toEqual([]);
    expect(set).toContain('NovaWorkers');
  });

  it('plans one ResourceGroup, ServiceChain and RoleConfig per role, and deploy steps 0-5 in a chain', async () => {
    h = harness();
    const plan = await h.engine.preview({ name: 'overcloud', bundle: await bundle() });
    const byName = new Map(plan.resources.map((r) => [r.name, r]));
    for (const r of ROLES) {
      expect(byName.get(r)?.type).toBe('OS::Heat::ResourceGroup');
      expect(byName.get(r)?.properties.count).toBe(1);
      expect(byName.get(`${r}ServiceChain`)?.properties.resources).toEqual(rolesData.find((x) => x.name === r)!.ServicesDefault);
      expect(byName.get(`${r}Config`)?.type).toBe('OS::TripleO::RoleConfig');
    }
    for (let n = 0; n <= 5; n++) {
      const step = byName.get(`DeployStep${n}`)!;
      expect(step.type).toBe('OS::TripleO::DeployStep');
      expect(step.properties.Step).toBe(n);
      if (n > 0) expect(step.requires).toContain(`DeployStep${n - 1}`);
    }
    expect(plan.resources.every((r) => r.action === 'create')).toBe(true);
    expect(plan.unknownOutputs).toEqual(expect.arrayContaining(['KeystoneURL', 'admin_password', 'overcloudrc', 'endpoints']));
  });

  it('lab-minimal plans MariaDB and Keystone on the Controller and one light service on Compute and Storage', async () => {
    h = harness();
    const plan = await h.engine.preview({ name: 'overcloud', bundle: await bundle([LAB]) });
    const chain = (r: string) => plan.resources.find((x) => x.name === `${r}ServiceChain`)!.properties.resources;
    expect(chain('Controller')).toEqual(['OS::TripleO::Services::MySQL', 'OS::TripleO::Services::Keystone']);
    expect(chain('Compute')).toEqual(['OS::TripleO::Services::Timesync']);
    expect(chain('Storage')).toEqual(['OS::TripleO::Services::Memcached']);
  });
});

describe('templates/: create, update, scale with fake servers and agents', () => {
  it('the full overcloud converges: servers by profile, steps 0-5 in order on every role, outputs', async () => {
    h = harness();
    const s = await h.deploy('overcloud', await bundle());
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');

    const profiles = [...h.servers.servers.values()].map((x) => `${x.req.hostname}:${x.req.profile}`).sort();
    expect(profiles).toEqual(['overcloud-controller-0:control', 'overcloud-novacompute-0:compute', 'overcloud-storage-0:storage']);

    const rs = runs(h.agent.dispatched);
    expect(rs).toHaveLength(3 * 6);
    // Step N is dispatched on any node only after step N-1 was dispatched (and finished) on every node.
    expect(rs.map((r) => r.step)).toEqual([...rs.map((r) => r.step)].sort((a, b) => a - b));
    for (const r of ROLES) expect(rs.filter((x) => x.role === r).map((x) => x.step)).toEqual([0, 1, 2, 3, 4, 5]);

    // TripleO's order: 1 database/messaging, 2 keystone, 3 APIs, 4 computes/agents/storage, 5 finalize.
    expect(logged(scriptOf(rs, 'Controller', 1))).toEqual(['timesync', 'mysql', 'rabbitmq', 'memcached']);
    expect(logged(scriptOf(rs, 'Controller', 2))).toEqual(['keystone']);
    expect(logged(scriptOf(rs, 'Controller', 3))).toEqual(['glance-api', 'placement-api', 'nova-api', 'neutron-server', 'cinder-api', 'horizon']);
    expect(logged(scriptOf(rs, 'Controller', 4))).toEqual(['nova-conductor', 'nova-scheduler', 'cinder-scheduler']);
    expect(logged(scriptOf(rs, 'Controller', 5))).toEqual(['keystone']);
    expect(logged(scriptOf(rs, 'Compute', 1))).toEqual(['timesync']);
    expect(logged(scriptOf(rs, 'Compute', 4))).toEqual(['nova-compute', 'neutron-linuxbridge-agent']);
    expect(logged(scriptOf(rs, 'Compute', 5))).toEqual(['nova-compute']);
    expect(logged(scriptOf(rs, 'Storage', 1))).toEqual(['timesync', 'cinder-volume']);
    expect(logged(scriptOf(rs, 'Storage', 4))).toEqual(['cinder-volume', 'swift-storage']);
    // A shared fragment (nova_config) appears once per step script even with three nova services.
    expect(scriptOf(rs, 'Controller', 4).match(/^nova_config\(\) \{/gm)).toHaveLength(1);
    // Step 0 makes sure the packages of the role's services are there.
    expect(scriptOf(rs, 'Compute', 0)).toMatch(/^ensure_packages crudini curl chrony nova-compute .*neutron-linuxbridge-agent/m);

    const out = s!.outputs!;
    const ctl = (out.ctlplane_addresses as Record<string, string[]>).Controller![0]!;
    expect(out.KeystoneURL).toBe(`http://${ctl}:5000`);
    expect(Object.keys(out.endpoints as object).sort()).toEqual(['cinder', 'glance', 'horizon', 'keystone', 'neutron', 'nova', 'placement']);
    expect(String(out.admin_password)).toMatch(/^[A-Za-z0-9]{25}$/);
    expect(out.overcloudrc).toContain(`export OS_PASSWORD=${String(out.admin_password)}\n`);
    expect(out.overcloudrc).toContain(`export OS_AUTH_URL=http://${ctl}:5000\n`);
    expect(out.hostnames).toEqual({ Controller: ['overcloud-controller-0'], Compute: ['overcloud-novacompute-0'], Storage: ['overcloud-storage-0'] });
    expect(out.RoleNetIpMap).toEqual(Object.fromEntries(Object.entries(out.ctlplane_addresses as Record<string, string[]>).map(([role, ips]) => [role, { ctlplane: ips }])));

    // Every step gets the admin password the outputs report, and every fernet key decodes to 32 bytes.
    for (const r of rs) {
      // Without isolated networks, no ServiceNetMap: every service on the ctlplane (lib.sh's service_ip).
      expect(r.inputs.SERVICE_NET_MAP).toBeUndefined();
      expect(r.inputs.ISOLATED_NETWORKS).toBeUndefined();
      if (r.step === 0) expect(String(r.inputs.HOSTS_ENTRIES).split('\n')).toHaveLength(3);
      expect(r.inputs.ADMIN_PASSWORD).toBe(out.admin_password);
      for (const k of ['KEYSTONE_FERNET_KEY0', 'KEYSTONE_FERNET_KEY1', 'KEYSTONE_CREDENTIAL_KEY0', 'KEYSTONE_CREDENTIAL_KEY1']) {
        const key = String(r.inputs[k]);
        expect(key).toMatch(/^[A-Za-z0-9_-]{43}=$/);
        expect(Buffer.from(key, 'base64url').toString('base64url')).toBe(key.slice(0, 43));
      }
    }
  }, TIMEOUT);

  it('every environment variable a step script reads is one of its inputs', async () => {
    h = harness();
    await h.deploy('overcloud', await bundle());
    for (const r of runs(h.agent.dispatched)) {
      const assigned = new Set([...r.script.matchAll(/\b([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]!));
      // Bash's own, the library's (SERVICE_NET_MAP and ISOLATED_NETWORKS: inputs with isolated networks only), and KS_USER_PASSWORD (set for each ks_register call).
      const known = new Set([...assigned, 'HOME', 'PATH', 'BASH_COMMAND', 'OC_STATE', 'OC_LOCAL_IP', 'SERVICE_NET_MAP', 'ISOLATED_NETWORKS', 'NETWORK_CONFIG_DIR', 'KS_USER_PASSWORD', ...Object.keys(r.inputs)]);
      const read = new Set([...r.script.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
      const missing = [...read].filter((v) => !known.has(v));
      expect(missing, `${r.role} step ${r.step}`).toEqual([]);
      for (const [k, v] of Object.entries(r.inputs)) expect(['string', 'number'], k).toContain(typeof v);
    }
  }, TIMEOUT);

  it('a no-op update runs nothing and keeps the passwords; ComputeCount=2 adds one node and runs its steps only', async () => {
    h = harness();
    const first = await h.deploy('overcloud', await bundle());
    const password = first!.outputs!.admin_password;
    let n = h.agent.dispatched.length;

    const same = await h.deploy('overcloud', await bundle());
    expect(`${same!.action}_${same!.status}`, same!.statusReason).toBe('UPDATE_COMPLETE');
    expect(h.agent.dispatched.length - n).toBe(0);
    expect(same!.outputs!.admin_password).toBe(password);

    n = h.agent.dispatched.length;
    const scaled = await h.deploy('overcloud', await bundle(), { ComputeCount: 2 });
    expect(`${scaled!.action}_${scaled!.status}`, scaled!.statusReason).toBe('UPDATE_COMPLETE');
    expect(h.servers.count).toBe(4);
    expect((scaled!.outputs!.hostnames as Record<string, string[]>).Compute).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1']);
    expect(scaled!.outputs!.admin_password).toBe(password);
    const added = [...h.servers.servers.values()].find((x) => x.req.hostname === 'overcloud-novacompute-1')!.id;
    const rs = runs(h.agent.dispatched.slice(n));
    // Step 0 (/etc/hosts) runs again everywhere; steps 1-5 only on the new compute.
    expect(rs.filter((r) => r.step === 0).map((r) => r.server).sort()).toHaveLength(4);
    expect(rs.filter((r) => r.step > 0).map((r) => `${r.step}:${r.server === added ? 'new' : r.server}:${r.action}`)).toEqual(
      [1, 2, 3, 4, 5].map((s) => `${s}:new:CREATE`),
    );
  }, TIMEOUT);

  it('DeploymentServerBlacklist: a listed server gets no deploy steps while it is listed, and all of them after', async () => {
    h = harness();
    const env = (hosts: string[]) => envFile(`bl-${hosts.length}.yaml`, `parameter_defaults:\n  ComputeCount: 2\n  DeploymentServerBlacklist: ${JSON.stringify(hosts)}\n`);
    const first = await h.deploy('overcloud', await bundle([LAB, env(['overcloud-novacompute-1'])]));
    expect(`${first!.action}_${first!.status}`, first!.statusReason).toBe('CREATE_COMPLETE');
    const skipped = [...h.servers.servers.values()].find((x) => x.req.hostname === 'overcloud-novacompute-1')!.id;
    expect((first!.outputs!.hostnames as Record<string, string[]>).Compute).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1']);
    const rs = runs(h.agent.dispatched);
    expect(rs).toHaveLength(3 * 6);
    expect(rs.some((r) => r.server === skipped)).toBe(false);
    // It is still a host of the overcloud: the others' /etc/hosts name it.
    expect(String(rs[0]!.inputs.HOSTS_ENTRIES)).toContain('overcloud-novacompute-1');

    const n = h.agent.dispatched.length;
    const again = await h.deploy('overcloud', await bundle([LAB, env([])]));
    expect(`${again!.action}_${again!.status}`, again!.statusReason).toBe('UPDATE_COMPLETE');
    expect(runs(h.agent.dispatched.slice(n)).filter((r) => r.server === skipped).map((r) => `${r.step}:${r.action}`)).toEqual([0, 1, 2, 3, 4, 5].map((x) => `${x}:CREATE`));
  }, TIMEOUT);

  it('HostnameMap renames allocated servers, and DeploymentServerBlacklist matches the name given', async () => {
    h = harness();
    const env = envFile('map.yaml', 'parameter_defaults:\n  HostnameMap: {overcloud-novacompute-0: rack1-cmp-01}\n  DeploymentServerBlacklist: [rack1-cmp-01]\n');
    const s = await h.deploy('overcloud', await bundle([LAB, env]));
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    expect((s!.outputs!.hostnames as Record<string, string[]>).Compute).toEqual(['rack1-cmp-01']);
    const compute = [...h.servers.servers.values()].find((x) => x.req.hostname === 'rack1-cmp-01');
    expect(compute).toBeDefined();
    expect(runs(h.agent.dispatched).some((r) => r.server === compute!.id)).toBe(false);
  }, TIMEOUT);

  it('pre-provisioned servers (environments/deployed-server.yaml): named by HostnameMap, no server allocated, blacklisted by that name', async () => {
    h = harness();
    const env = envFile('deployed.yaml', [
      'parameter_defaults:',
      '  ComputeCount: 2',
      '  HostnameMap: {overcloud-novacompute-0: compute-special}',
      "  DeployedServerPortMap: {compute-special-ctlplane: {fixed_ips: [{ip_address: '192.0.2.7'}]}}",
      '  DeploymentServerBlacklist: [compute-special]',
      '',
    ].join('\n'));
    const s = await h.deploy('overcloud', await bundle([LAB, path.join(T, 'environments', 'deployed-server.yaml'), env]));
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    expect(h.servers.count).toBe(0);
    expect(s!.outputs!.hostnames).toEqual({ Controller: ['overcloud-controller-0'], Compute: ['compute-special', 'overcloud-novacompute-1'], Storage: ['overcloud-storage-0'] });
    const rs = runs(h.agent.dispatched);
    expect([...new Set(rs.map((r) => r.server))].sort()).toEqual(['overcloud-controller-0', 'overcloud-novacompute-1', 'overcloud-storage-0']);
    expect(String(rs[0]!.inputs.HOSTS_ENTRIES)).toContain('192.0.2.7 compute-special.localdomain compute-special');
  }, TIMEOUT);

  it('ExtraHostFileEntries (TripleO\'s): the operator\'s lines follow the nodes\' in every step 0; with none, the nodes\' lines alone', async () => {
    h = harness();
    const env = envFile('hosts.yaml', ['parameter_defaults:', "  ExtraHostFileEntries: ['192.0.2.10 registry.example.com registry', '192.0.2.11 ntp.example.com']", ''].join('\n'));
    const s = await h.deploy('overcloud', await bundle([LAB, env]));
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    const step0 = runs(h.agent.dispatched).filter((r) => r.step === 0);
    expect(step0).toHaveLength(3);
    for (const r of step0) {
      const lines = String(r.inputs.HOSTS_ENTRIES).split('\n');
      expect(lines).toHaveLength(5);
      expect(lines.slice(0, 3).every((l) => /^\S+ overcloud-\S+\.localdomain overcloud-/.test(l))).toBe(true);
      expect(lines.slice(3)).toEqual(['192.0.2.10 registry.example.com registry', '192.0.2.11 ntp.example.com']);
    }
    // Dropping them is a change of step 0 only; setting none at all gives exactly the nodes' lines.
    const before = h.agent.dispatched.length;
    const s2 = await h.deploy('overcloud', await bundle([LAB]));
    expect(`${s2!.action}_${s2!.status}`, s2!.statusReason).toBe('UPDATE_COMPLETE');
    const again = runs(h.agent.dispatched.slice(before));
    expect(again.map((r) => r.step)).toEqual([0, 0, 0]);
    for (const r of again) expect(String(r.inputs.HOSTS_ENTRIES).split('\n')).toHaveLength(3);
  }, TIMEOUT);

  it('isolated networks (-n network_data.yaml): addresses per role network, VLAN config before step 0, hosts lines, internal services on internal_api; scale-down and delete free them', async () => {
    h = harness();
    const parsed = parseNetworkData(readFileSync(NETWORKS, 'utf8'), 'network_data.yaml');
    expect(parsed.errors).toEqual([]);
    h.networks.provision(parsed.networks);
    const s = await h.deploy('overcloud', await bundle([LAB], NETWORKS), { ComputeCount: 2 });
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    const held = (net: string) => h!.networks.ports(net).map((p) => `${p.hostname} ${p.ipAddress}`).sort();
    // roles_data: Controller on all five, Compute on internal_api, tenant and storage, Storage on internal_api, storage, storage_mgmt.
    // The lowest free addresses of the pool, one each (which server gets which depends on who asks first).
    expect(held('internal_api').map((x) => x.split(' ')[0])).toEqual(['overcloud-controller-0', 'overcloud-novacompute-0', 'overcloud-novacompute-1', 'overcloud-storage-0']);
    expect(held('internal_api').map((x) => x.split(' ')[1]).sort()).toEqual(['172.16.2.4', '172.16.2.5', '172.16.2.6', '172.16.2.7']);
    expect(held('external').map((x) => x.split(' ')[0])).toEqual(['overcloud-controller-0']);
    expect(held('tenant').map((x) => x.split(' ')[0])).toEqual(['overcloud-controller-0', 'overcloud-novacompute-0', 'overcloud-novacompute-1']);
    expect(held('storage_mgmt').map((x) => x.split(' ')[0])).toEqual(['overcloud-controller-0', 'overcloud-storage-0']);

    // Each server's network config ran before its deploy steps, with one VLAN line per network of its role.
    const network = h.agent.dispatched.filter((r) => String(r.config.config).includes('network-config:'));
    expect(network).toHaveLength(4);
    const firstStep = h.agent.dispatched.findIndex((r) => String(r.config.config).includes('deploy step 0'));
    for (const r of network) expect(h.agent.dispatched.indexOf(r)).toBeLessThan(firstStep);
    const compute0 = [...h.servers.servers.values()].find((x) => x.req.hostname === 'overcloud-novacompute-0')!.id;
    const cfg = network.find((r) => r.serverId === compute0)!;
    const addr = (net: string, host: string) => h!.networks.ports(net).find((p) => p.hostname === host)!.ipAddress;
    expect(String(cfg.inputs.VLAN_INTERFACES).split('\n')).toEqual([
      `internal_api 20 ${addr('internal_api', 'overcloud-novacompute-0')}/24 1500`, `tenant 50 ${addr('tenant', 'overcloud-novacompute-0')}/24 1500`, `storage 30 ${addr('storage', 'overcloud-novacompute-0')}/24 1500`,
    ]);
    expect(cfg.inputs.CTLPLANE_IP).toMatch(/^192\.0\.2\.\d+$/);

    // /etc/hosts: the ctlplane line, then one per network as TripleO writes them.
    const hosts = String(runs(h.agent.dispatched.filter((r) => !network.includes(r))).find((r) => r.step === 0)!.inputs.HOSTS_ENTRIES).split('\n');
    expect(hosts).toContain(`${addr('internal_api', 'overcloud-novacompute-0')} overcloud-novacompute-0.internalapi.localdomain overcloud-novacompute-0.internalapi`);
    expect(hosts).toContain(`${addr('storage_mgmt', 'overcloud-controller-0')} overcloud-controller-0.storagemgmt.localdomain overcloud-controller-0.storagemgmt`);
    expect(hosts).toHaveLength(4 + 5 + 3 + 3 + 3);

    // The internal services follow internal_api (TripleO's ServiceNetMap defaults): the database, messaging and
    // internal endpoints on the controller's internal_api address; the public endpoints stay on its ctlplane one.
    const steps = runs(h.agent.dispatched.filter((r) => !network.includes(r)));
    const ctlplane = (s!.outputs!.ctlplane_addresses as Record<string, string[]>).Controller![0]!;
    for (const r of steps) {
      expect(r.inputs.CONTROLLER_IP).toBe(addr('internal_api', 'overcloud-controller-0'));
      expect(r.inputs.PUBLIC_HOST).toBe(ctlplane);
    }
    expect(s!.outputs!.KeystoneURL).toBe(`http://${ctlplane}:5000`);
    // TripleO's RoleNetIpMap: per role, per network, the members' addresses.
    const map = s!.outputs!.RoleNetIpMap as Record<string, Record<string, string[]>>;
    expect(Object.keys(map.Compute!).sort()).toEqual(['ctlplane', 'internal_api', 'storage', 'tenant']);
    expect(map.Compute!.internal_api).toEqual(['overcloud-novacompute-0', 'overcloud-novacompute-1'].map((n) => addr('internal_api', n)));
    expect(map.Controller!.external).toEqual([addr('external', 'overcloud-controller-0')]);

    // A changed VLAN not provisioned again is an error that says so; provisioned, the config is applied again.
    const heldBefore = held('internal_api');
    const moved = readFileSync(NETWORKS, 'utf8').replace('vlan: 20', 'vlan: 21');
    const movedFile = envFile('network_data.yaml', moved);
    const stale = await h.deploy('overcloud', await bundle([LAB], movedFile), { ComputeCount: 2 });
    expect(`${stale!.action}_${stale!.status}`).toBe('UPDATE_FAILED');
    expect(stale!.statusReason).toMatch(/vlan 21 \(provisioned: 20\).*provision network_data.yaml again/);
    h.networks.provision(parseNetworkData(moved, 'network_data.yaml').networks);
    const before = h.agent.dispatched.length;
    const redone = await h.deploy('overcloud', await bundle([LAB], movedFile), { ComputeCount: 2 });
    expect(`${redone!.action}_${redone!.status}`, redone!.statusReason).toBe('UPDATE_COMPLETE');
    const again = h.agent.dispatched.slice(before).filter((r) => String(r.config.config).includes('network-config:'));
    expect(again).toHaveLength(4);
    expect(again.every((r) => r.action === 'UPDATE' && String(r.inputs.VLAN_INTERFACES).includes('internal_api 21 '))).toBe(true);
    // The addresses stayed.
    expect(held('internal_api')).toEqual(heldBefore);

    // Scale down: the removed server's addresses are free again; delete frees the rest, the networks stay.
    const down = await h.deploy('overcloud', await bundle([LAB], movedFile), { ComputeCount: 1 });
    expect(`${down!.action}_${down!.status}`, down!.statusReason).toBe('UPDATE_COMPLETE');
    expect(held('tenant').map((x) => x.split(' ')[0])).toEqual(['overcloud-controller-0', 'overcloud-novacompute-0']);
    h.engine.deleteStack('overcloud');
    await h.engine.wait('overcloud');
    expect(h.networks.ports()).toEqual([]);
    expect(h.networks.list().map((n) => n.name).sort()).toEqual(['External', 'InternalApi', 'Storage', 'StorageMgmt', 'Tenant']);
  }, TIMEOUT);

  it('ServiceNetMap (TripleO\'s): with -n, VXLAN, iSCSI and Swift\'s storage go by its keys; an override moves them; a network a node is not on means its ctlplane', async () => {
    h = harness();
    h.networks.provision(parseNetworkData(readFileSync(NETWORKS, 'utf8'), 'network_data.yaml').networks);
    const s = await h.deploy('overcloud', await bundle([], NETWORKS));
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    const addr = (net: string) => h!.networks.ports(net).find((p) => p.hostname === 'overcloud-storage-0')!.ipAddress;
    // The deploy steps (not the servers' network configs).
    const steps = () => runs(h!.agent.dispatched.filter((r) => !String(r.config.config).includes('network-config:')));
    const storageStep4 = () => steps().filter((r) => r.role === 'Storage' && r.step === 4).pop()!;
    for (const r of steps()) {
      expect(r.inputs.SERVICE_NET_MAP).toBe('CinderIscsiNetwork=storage,NeutronTenantNetwork=tenant,SwiftStorageNetwork=storage_mgmt');
      // The deploy's networks, in network_data.yaml's order: with them, step 0 leaves the VLANs to the network config.
      expect(r.inputs.ISOLATED_NETWORKS).toBe('storage,storage_mgmt,internal_api,tenant,external');
    }
    expect(scriptOf(steps(), 'Compute', 0)).toContain('if [ -z "${ISOLATED_NETWORKS:-}" ]; then remove_isolated_networks; fi');
    // The rings list the Storage node by its storage_mgmt address (SwiftStorageNetwork's default), where it binds.
    expect(storageStep4().inputs.SWIFT_STORAGE_IPS).toBe(addr('storage_mgmt'));
    expect(scriptOf(steps(), 'Storage', 4)).toContain('oc_swift_ip=$(service_ip SwiftStorageNetwork)');
    expect(scriptOf(steps(), 'Storage', 4)).toContain('oc_iscsi_ip=$(service_ip CinderIscsiNetwork)');
    expect(scriptOf(steps(), 'Compute', 4)).toContain('oc_tunnel_ip=$(service_ip NeutronTenantNetwork)');

    // The operator's ServiceNetMap goes over the defaults, key by key.
    const override = (map: string) => envFile(`netmap-${map.length}.yaml`, `parameter_defaults:\n  ServiceNetMap: ${map}\n`);
    const moved = await h.deploy('overcloud', await bundle([override('{SwiftStorageNetwork: storage, NeutronTenantNetwork: internal_api}')], NETWORKS));
    expect(`${moved!.action}_${moved!.status}`, moved!.statusReason).toBe('UPDATE_COMPLETE');
    expect(storageStep4().inputs.SWIFT_STORAGE_IPS).toBe(addr('storage'));
    expect(storageStep4().inputs.SERVICE_NET_MAP).toBe('CinderIscsiNetwork=storage,NeutronTenantNetwork=internal_api,SwiftStorageNetwork=storage');
    // Storage is not on tenant: its ctlplane address, as service_ip finds it on the node.
    const ctl = await h.deploy('overcloud', await bundle([override('{SwiftStorageNetwork: tenant}')], NETWORKS));
    expect(`${ctl!.action}_${ctl!.status}`, ctl!.statusReason).toBe('UPDATE_COMPLETE');
    expect(storageStep4().inputs.SWIFT_STORAGE_IPS).toBe((ctl!.outputs!.ctlplane_addresses as Record<string, string[]>).Storage![0]);
  }, TIMEOUT);

  it('<Role>IPs (TripleO\'s predictable addresses): each member takes its index\'s fixed address; one already held is refused by name', async () => {
    h = harness();
    h.networks.provision(parseNetworkData(readFileSync(NETWORKS, 'utf8'), 'network_data.yaml').networks);
    const ips = (list: string[]) => envFile(`ips-${list.length}.yaml`, `parameter_defaults:\n  ComputeCount: 2\n  ComputeIPs: {internal_api: ${JSON.stringify(list)}}\n`);
    const s = await h.deploy('overcloud', await bundle([LAB, ips(['172.16.2.100', '172.16.2.101'])], NETWORKS));
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    const held = () => h!.networks.ports('internal_api').map((p) => `${p.hostname} ${p.ipAddress}`).sort();
    expect(held().filter((x) => x.includes('novacompute'))).toEqual(['overcloud-novacompute-0 172.16.2.100', 'overcloud-novacompute-1 172.16.2.101']);
    const ctl = h.networks.ports('internal_api').find((p) => p.hostname === 'overcloud-controller-0')!.ipAddress;
    expect(['172.16.2.4', '172.16.2.5']).toContain(ctl);
    // Networks without an entry take the lowest free address, as before.
    expect(h.networks.ports('tenant').map((p) => p.ipAddress).sort()).toEqual(['172.16.0.4', '172.16.0.5', '172.16.0.6']);
    // Member 1 moves to the controller's address: refused, naming who holds it; nothing else moved.
    const clash = await h.deploy('overcloud', await bundle([LAB, ips(['172.16.2.100', ctl, 'x'])], NETWORKS));
    expect(`${clash!.action}_${clash!.status}`).toBe('UPDATE_FAILED');
    expect(clash!.statusReason).toContain(`overcloud-novacompute-1: the fixed address ${ctl} on internal_api_subnet is held by overcloud-controller-0`);
    expect(held()).toContain('overcloud-novacompute-1 172.16.2.101');
  }, TIMEOUT);

  it('a deploy with -n whose networks were never provisioned fails at the first server, naming the network and the fix', async () => {
    h = harness();
    const s = await h.deploy('overcloud', await bundle([LAB], NETWORKS));
    expect(`${s!.action}_${s!.status}`).toBe('CREATE_FAILED');
    expect(s!.statusReason).toMatch(/the network \w+ is not provisioned \(no network is provisioned\): provision it first/);
    expect(h.networks.ports()).toEqual([]);
  }, TIMEOUT);

  it('lab-minimal converges with MariaDB and Keystone on the Controller, chrony on Compute, memcached on Storage', async () => {
    h = harness();
    const s = await h.deploy('overcloud', await bundle([LAB]));
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    const rs = runs(h.agent.dispatched);
    expect(rs).toHaveLength(3 * 6);
    const services = (role: string) => rs.filter((r) => r.role === role).flatMap((r) => logged(r.script));
    expect(services('Controller')).toEqual(['mysql', 'keystone', 'keystone']);
    expect(rs.filter((r) => r.role === 'Controller').map((r) => logged(r.script))).toEqual([[], ['mysql'], ['keystone'], [], [], ['keystone']]);
    expect(services('Compute')).toEqual(['timesync']);
    expect(services('Storage')).toEqual(['memcached']);
    expect(scriptOf(rs, 'Controller', 5)).toContain('ks_token_types');
    expect(rs[0]!.inputs.ENABLED_SERVICES).toBe('mysql,keystone,timesync,memcached');
    // Keystone's cache is off: memcached does not run on the Controllers.
    expect(rs[0]!.inputs.MEMCACHED_SERVERS).toBe('');
    expect(s!.outputs!.endpoints).toEqual({ keystone: s!.outputs!.KeystoneURL });
    expect(s!.outputs!.EnabledServices).toEqual({ Controller: ['mysql', 'keystone'], Compute: ['timesync'], Storage: ['memcached'] });
  }, TIMEOUT);

  it('an edited service script is deployed on redeploy (nested templates are not skipped), and only where it runs', async () => {
    h = harness();
    const first = await bundle([LAB]);
    expect((await h.deploy('overcloud', first))!.status).toBe('COMPLETE');
    const n = h.agent.dispatched.length;
    // The same files again: nothing runs.
    expect(`${(await h.deploy('overcloud', await bundle([LAB])))!.action}`).toBe('UPDATE');
    expect(h.agent.dispatched.length).toBe(n);
    // Only keystone-step2.sh changes (deep in Controller's service chain): step 2 runs again on the Controller.
    const edited = await bundle([LAB]);
    const file = Object.keys(edited.files).find((f) => f.endsWith('keystone/keystone-step2.sh'))!;
    edited.files[file] += '\nlog "keystone: edited"\n';
    const s = await h.deploy('overcloud', edited);
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('UPDATE_COMPLETE');
    const rs = runs(h.agent.dispatched.slice(n));
    expect(rs.map((r) => `${r.role}:${r.step}:${r.action}`)).toEqual(['Controller:2:UPDATE']);
    expect(scriptOf(rs, 'Controller', 2)).toContain('keystone: edited');
  }, TIMEOUT);

  it('an operator-set AdminPassword and CloudName are used', async () => {
    h = harness();
    const b = await bundle();
    b.files['environments/test-overrides.yaml'] = 'parameter_defaults:\n  AdminPassword: s3cret\n  CloudName: overcloud.example.com\n  StorageCount: 0\n';
    b.environments.push('environments/test-overrides.yaml');
    const s = await h.deploy('overcloud', b);
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    expect(s!.outputs!.admin_password).toBe('s3cret');
    expect(s!.outputs!.KeystoneURL).toBe('http://overcloud.example.com:5000');
    expect(h.servers.count).toBe(2);
    expect(runs(h.agent.dispatched).filter((r) => r.role === 'Storage')).toEqual([]);
  }, TIMEOUT);

  it('every assembled step script is valid bash and passes shellcheck', async () => {
    h = harness();
    await h.deploy('overcloud', await bundle());
    const dir = mkdtempSync(path.join(tmpdir(), 'oc-steps-'));
    try {
      const files = runs(h.agent.dispatched).map((r) => {
        const f = path.join(dir, `${r.role}-step${r.step}.sh`);
        writeFileSync(f, r.script);
        return f;
      });
      expect(new Set(files).size).toBe(18);
      for (const f of files) execFileSync('bash', ['-n', f]);
      try {
        execFileSync('shellcheck', ['--version'], { stdio: 'ignore' });
      } catch {
        throw new Error('shellcheck is missing: apt-get install shellcheck');
      }
      {
        const r = (() => {
          try {
            return execFileSync('shellcheck', ['-f', 'gcc', ...files], { encoding: 'utf8' });
          } catch (err) {
            return String((err as { stdout?: string }).stdout ?? err);
          }
        })();
        expect(r).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TIMEOUT);
});

describe('templates/: custom roles (overcloud.j2.yaml rendered with roles_data.yaml)', () => {
  it('a role added to roles_data.yaml only is deployed: its servers, its steps, the maps and outputs', async () => {
    const roles = readFileSync(path.join(T, 'roles_data.yaml'), 'utf8') + `
- name: ComputeEdge
  description: Compute nodes at the edge site.
  CountDefault: 2
  HostnameFormatDefault: '%stackname%-edge-%index%'
  RoleParametersDefault: {Profile: edge}
  ServicesDefault:
    - OS::TripleO::Services::Timesync
    - OS::TripleO::Services::Memcached
`;
    const file = envFile('roles_data.yaml', roles);
    h = harness();
    const b = await loadBundle(T, { rolesData: file, environments: [LAB] });
    const s = await h.deploy('overcloud', b);
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    // The edge servers come from roles/role.yaml (OS::TripleO::Role), by the profile its RoleParameters name.
    expect([...h.servers.servers.values()].filter((x) => x.req.profile === 'edge').map((x) => x.req.hostname).sort()).toEqual(['overcloud-edge-0', 'overcloud-edge-1']);
    expect(s!.outputs!.hostnames).toMatchObject({ ComputeEdge: ['overcloud-edge-0', 'overcloud-edge-1'] });
    expect(s!.outputs!.EnabledServices).toMatchObject({ ComputeEdge: ['timesync', 'memcached'] });
    const rs = runs(h.agent.dispatched);
    expect(rs.filter((r) => r.role === 'ComputeEdge').map((r) => r.step)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // Every node knows the edge nodes; memcached on a role not tagged controller is not Keystone's cache.
    expect(String(rs.find((r) => r.role === 'Controller' && r.step === 0)!.inputs.HOSTS_ENTRIES)).toContain('overcloud-edge-1');
    expect(rs.find((r) => r.role === 'Controller')!.inputs.MEMCACHED_SERVERS).toBe('');
    expect(rs.find((r) => r.role === 'ComputeEdge')!.inputs.SWIFT_STORAGE_IPS).toBeUndefined();
  }, TIMEOUT);

  it('every role of templates/roles_data, as `overcloud roles generate` writes them, deploys; every script has its inputs', async () => {
    const file = envFile('roles_data.yaml', generateRolesData(path.join(T, 'roles_data'), ['Controller', 'Compute', 'Compute:ComputeEdge', 'BlockStorage', 'ObjectStorage']));
    const counts = envFile('counts.yaml', 'parameter_defaults:\n  ComputeEdgeCount: 1\n  BlockStorageCount: 1\n  ObjectStorageCount: 2\n');
    h = harness();
    const s = await h.deploy('overcloud', await loadBundle(T, { rolesData: file, environments: [counts] }));
    expect(`${s!.action}_${s!.status}`, s!.statusReason).toBe('CREATE_COMPLETE');
    expect([...h.servers.servers.values()].map((x) => `${x.req.hostname}:${x.req.profile}`).sort()).toEqual([
      'overcloud-blockstorage-0:block-storage', 'overcloud-computeedge-0:computeedge', 'overcloud-controller-0:control', 'overcloud-novacompute-0:compute',
      'overcloud-objectstorage-0:swift-storage', 'overcloud-objectstorage-1:swift-storage',
    ]);
    const rs = runs(h.agent.dispatched);
    const ips = (role: string) => (s!.outputs!.ctlplane_addresses as Record<string, string[]>)[role]!;
    // Swift's ring is the ObjectStorage nodes, and only the role running Swift gets it.
    expect(rs.find((r) => r.role === 'ObjectStorage')!.inputs.SWIFT_STORAGE_IPS).toBe(ips('ObjectStorage').join(','));
    expect(rs.filter((r) => r.inputs.SWIFT_STORAGE_IPS !== undefined).map((r) => r.role)).toEqual(expect.arrayContaining(['ObjectStorage']));
    expect(new Set(rs.filter((r) => r.inputs.SWIFT_STORAGE_IPS !== undefined).map((r) => r.role))).toEqual(new Set(['ObjectStorage']));
    expect(rs.find((r) => r.role === 'BlockStorage')!.inputs.CONTROLLER_IP).toBe(ips('Controller')[0]);
    for (const r of rs) {
      const assigned = new Set([...r.script.matchAll(/\b([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]!));
      const known = new Set([...assigned, 'HOME', 'PATH', 'BASH_COMMAND', 'OC_STATE', 'OC_LOCAL_IP', 'SERVICE_NET_MAP', 'ISOLATED_NETWORKS', 'NETWORK_CONFIG_DIR', 'KS_USER_PASSWORD', ...Object.keys(r.inputs)]);
      const missing = [...new Set([...r.script.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!))].filter((v) => !known.has(v));
      expect(missing, `${r.role} step ${r.step}`).toEqual([]);
    }
  }, TIMEOUT);

  it('a Jinja2 error names the j2 file, line and column; a template with both forms is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oc-j2-'));
    try {
      writeFileSync(path.join(dir, 'roles_data.yaml'), '- name: A\n');
      writeFileSync(path.join(dir, 'overcloud.j2.yaml'), 'heat_template_version: wallaby\nresources:\n{% for role in roles %}\n  {{ role.name | nosuchfilter }}: {type: OS::Heat::None}\n{% endfor %}\n');
      const err = await loadBundle(dir, {}).catch((e: unknown) => e);
      expect((err as TemplateErrors).errors.map((e) => [e.code, `${e.pos.file}:${e.pos.line}:${e.pos.col}`])).toEqual([['TEMPLATE_RENDER', 'overcloud.j2.yaml:4:16']]);
      expect((err as Error).message).toContain('filter not found: nosuchfilter');
      writeFileSync(path.join(dir, 'overcloud.j2.yaml'), 'heat_template_version: wallaby\nresources:\n{% for role in roles %}\n  {{ role.name }}: {type: OS::Heat::None}\n{% endfor %}\n');
      const ok = await loadBundle(dir, {});
      expect(ok.files['overcloud.yaml']).toBe('heat_template_version: wallaby\nresources:\n  A: {type: OS::Heat::None}\n');
      writeFileSync(path.join(dir, 'overcloud.yaml'), 'heat_template_version: wallaby\n');
      const both = await loadBundle(dir, {}).catch((e: unknown) => e);
      expect((both as Error).message).toContain('both "overcloud.yaml" and "overcloud.j2.yaml" exist');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
