import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';
import { Store } from '../../../../undercloud/store/store.js';
import { FakeServers } from '../../../../undercloud/orchestration/resources/index.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const head = 'heat_template_version: wallaby\n';

describe('engine behaviour', () => {
  it('a failed deployment fails the stack and shows in failures() with the log tail', async () => {
    h = harness();
    const t = `${head}resources:
  server: {type: OS::TripleO::Server, properties: {name: n1}}
  config: {type: OS::Heat::SoftwareConfig, properties: {config: "exit 1 # FAKE_AGENT_FAIL"}}
  deploy: {type: OS::Heat::SoftwareDeployment, properties: {config: {get_resource: config}, server: {get_resource: server}}}
  after: {type: OS::Heat::Value, properties: {value: x}, depends_on: [deploy]}
`;
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': t }));
    expect(`${s.action}_${s.status}`).toBe('CREATE_FAILED');
    const f = h.engine.failures('s');
    expect(f).toHaveLength(1);
    expect(f[0]!.resource).toBe('deploy');
    expect(f[0]!.reason).toContain('non-zero status code: 1');
    expect(f[0]!.stderrTail).toContain('failed as asked');
    // Nothing that depends on the failed resource was started.
    expect(h.engine.resources('s', false).map((r) => r.name)).not.toContain('after');
  });

  it('a dependency cycle is rejected before anything is written', () => {
    h = harness();
    const t = `${head}resources:
  a: {type: OS::Heat::Value, properties: {value: {get_attr: [b, value]}}}
  b: {type: OS::Heat::Value, properties: {value: {get_attr: [a, value]}}}
`;
    let err: unknown;
    try {
      h.engine.createStack({ name: 's', bundle: bundleOf({ 'overcloud.yaml': t }) });
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toMatch(/CIRCULAR_DEPENDENCY|TEMPLATE/);
    expect(h.store.counts().stacks).toBe(0);
  });

  it('cancel stops a create in progress; the stack and in-flight resources end FAILED', async () => {
    h = harness({ servers: new FakeServers({ deployMs: 60_000 }), options: { pollMaxMs: 20 } });
    const t = `${head}resources:\n  server: {type: OS::TripleO::Server, properties: {name: n1}}\n`;
    h.engine.createStack({ name: 's', bundle: bundleOf({ 'overcloud.yaml': t }) });
    await new Promise((r) => setTimeout(r, 100));
    expect(h.engine.cancel('s')).toBe(true);
    const s = (await h.engine.wait('s'))!;
    expect(`${s.action}_${s.status}`).toBe('CREATE_FAILED');
    expect(s.statusReason).toContain('cancelled');
    expect(h.engine.resources('s', false)[0]!.status).toBe('FAILED');
  });

  it('a resource that does not finish in time fails with a timeout', async () => {
    h = harness({ servers: new FakeServers({ deployMs: 60_000 }), options: { resourceTimeoutSeconds: 1, pollMaxMs: 50 } });
    const t = `${head}resources:\n  server: {type: OS::TripleO::Server, properties: {name: n1}}\n`;
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': t }));
    expect(`${s.action}_${s.status}`).toBe('CREATE_FAILED');
    expect(h.engine.failures('s')[0]!.reason).toMatch(/TIMEOUT: resource server CREATE timed out after 1 s/);
  });

  it('the resource timeout starts when the action gets a concurrency slot, not while it waits for one', async () => {
    h = harness({ servers: new FakeServers({ deployMs: 600 }), options: { concurrency: 1, resourceTimeoutSeconds: 1, pollMaxMs: 20 } });
    const t = `${head}resources:\n  a: {type: OS::TripleO::Server, properties: {name: a}}\n  b: {type: OS::TripleO::Server, properties: {name: b}}\n`;
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': t }));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
  });

  it('replaces a resource whose non-updatable property changed, and deletes removed ones', async () => {
    h = harness();
    const v1 = `${head}resources:\n  s: {type: OS::TripleO::Server, properties: {name: a, profile: compute}}\n  gone: {type: OS::Heat::Value, properties: {value: 1}}\n`;
    const v2 = `${head}resources:\n  s: {type: OS::TripleO::Server, properties: {name: a, profile: control}}\n`;
    await h.deploy('s', bundleOf({ 'overcloud.yaml': v1 }));
    const before = h.engine.resources('s', false).find((r) => r.name === 's')!.refId;
    const plan = await h.engine.preview({ name: 's', bundle: bundleOf({ 'overcloud.yaml': v2 }) });
    expect(plan.resources.map((r) => `${r.name}:${r.action}`).sort()).toEqual(['gone:delete', 's:replace']);
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': v2 }));
    expect(`${s.action}_${s.status}`).toBe('UPDATE_COMPLETE');
    const after = h.engine.resources('s', false);
    expect(after.map((r) => r.name)).toEqual(['s']);
    expect(after[0]!.refId).not.toBe(before);
    expect(h.servers.released).toBe(1);
  });

  it('deletion_policy Retain keeps the server on delete', async () => {
    h = harness();
    const t = `${head}resources:\n  keep: {type: OS::TripleO::Server, deletion_policy: Retain, properties: {name: a}}\n  drop: {type: OS::TripleO::Server, properties: {name: b}}\n`;
    await h.deploy('s', bundleOf({ 'overcloud.yaml': t }));
    h.engine.deleteStack('s');
    await h.engine.wait('s');
    expect(h.servers.count).toBe(1);
    expect(h.engine.findStack('s')).toBeUndefined();
  });

  it('preview of a new stack resolves what is known before creation', async () => {
    h = harness();
    const t = `${head}parameters:\n  p: {type: string, default: v}\nresources:
  a: {type: OS::Heat::Value, properties: {value: {get_param: p}}}
  b: {type: OS::Heat::Value, properties: {value: {get_attr: [a, value]}, type: string}}
outputs:\n  o: {value: {get_param: p}}\n  later: {value: {get_attr: [b, value]}}\n`;
    const plan = await h.engine.preview({ name: 's', bundle: bundleOf({ 'overcloud.yaml': t }) });
    expect(plan.resources.map((r) => r.name)).toEqual(['a', 'b']);
    expect(plan.resources[0]!.properties).toEqual({ value: 'v' });
    expect(plan.resources[1]!.unknown).toEqual(['value']);
    expect(plan.resources[1]!.properties).toEqual({ type: 'string' });
    expect(plan.outputs).toEqual({ o: 'v' });
    expect(plan.unknownOutputs).toEqual(['later']);
    expect(h.store.counts().stacks).toBe(0);
  });

  it('WaitCondition completes when its handle is signalled', async () => {
    h = harness({ options: { pollMaxMs: 20 } });
    const t = `${head}resources:
  handle: {type: OS::Heat::WaitConditionHandle}
  wait: {type: OS::Heat::WaitCondition, properties: {handle: {get_resource: handle}, count: 1, timeout: 30}}
outputs:\n  data: {value: {get_attr: [wait, data]}}\n`;
    h.engine.createStack({ name: 's', bundle: bundleOf({ 'overcloud.yaml': t }) });
    let handleId: string | undefined;
    for (let i = 0; i < 100 && !handleId; i++) {
      await new Promise((r) => setTimeout(r, 20));
      h.engine.persister.flush();
      handleId = h.engine.resources('s', false).find((r) => r.name === 'handle' && r.status === 'COMPLETE')?.refId;
    }
    h.engine.signal(handleId!, { status: 'SUCCESS', id: 'n1', data: 'ready' });
    const s = (await h.engine.wait('s'))!;
    expect(`${s.action}_${s.status}`).toBe('CREATE_COMPLETE');
    expect(JSON.parse(String(s.outputs?.data))).toEqual({ n1: 'ready' });
  });

  it('OS::Heat::Stack, ResourceChain and SoftwareDeploymentGroup converge their children', async () => {
    h = harness();
    const inner = `${head}parameters:\n  x: {type: string}\nresources:\n  v: {type: OS::Heat::Value, properties: {value: {get_param: x}}}\noutputs:\n  out: {value: {get_attr: [v, value]}}\n`;
    const t = `${head}resources:
  nested:
    type: OS::Heat::Stack
    properties: {template: {get_file: inner.yaml}, parameters: {x: hello}}
  chain:
    type: OS::Heat::ResourceChain
    properties: {resources: [OS::Heat::RandomString, OS::Heat::RandomString], resource_properties: {length: 8}}
  s1: {type: OS::TripleO::Server, properties: {name: a}}
  s2: {type: OS::TripleO::Server, properties: {name: b}}
  cfg: {type: OS::Heat::SoftwareConfig, properties: {config: "FAKE_AGENT_OUTPUT=answer=42"}}
  group:
    type: OS::Heat::SoftwareDeploymentGroup
    properties: {config: {get_resource: cfg}, servers: {a: {get_resource: s1}, b: {get_resource: s2}}}
outputs:
  nested: {value: {get_attr: [nested, outputs, out]}}
  chain: {value: {get_attr: [chain, value]}}
  codes: {value: {get_attr: [group, deploy_status_codes]}}
`;
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': t, 'inner.yaml': inner }));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
    expect(s.outputs?.nested).toBe('hello');
    expect((s.outputs?.chain as string[]).map((x) => x.length)).toEqual([8, 8]);
    expect(s.outputs?.codes).toEqual({ a: 0, b: 0 });
    expect(h.agent.dispatched).toHaveLength(2);
  });

  it('a stack left in progress by a stopped daemon resumes polling and completes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'uc-orch-resume-'));
    const file = path.join(dir, 'uc.db');
    try {
      const servers = new FakeServers({ deployMs: 400 });
      const first = harness({ store: Store.open(file), servers, options: { pollMaxMs: 20 } });
      const t = `${head}resources:\n  server: {type: OS::TripleO::Server, properties: {name: n1}}\n  v: {type: OS::Heat::Value, properties: {value: {get_attr: [server, name]}}}\n`;
      first.engine.createStack({ name: 's', bundle: bundleOf({ 'overcloud.yaml': t }) });
      await new Promise((r) => setTimeout(r, 150));
      first.shutdown.abort();
      await first.engine.wait('s');
      first.store.close();
      // A new "daemon" on the same store and the same (persistent) bare metal.
      h = harness({ store: Store.open(file), servers, options: { pollMaxMs: 20 } });
      expect([...h.operations.recover().values()]).toEqual(['resumed']);
      await new Promise((r) => setTimeout(r, 20));
      const s = (await h.engine.wait('s'))!;
      expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
      expect(servers.count).toBe(1);
      const starts = h.engine.events('s').filter((e) => e.kind === 'stack.resource.CREATE_IN_PROGRESS' && e.data.resource === 'server');
      expect(starts).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
