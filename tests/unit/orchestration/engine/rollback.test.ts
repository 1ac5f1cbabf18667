import { afterEach, describe, expect, it } from 'vitest';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const head = 'heat_template_version: wallaby\n';

function states(hh: Harness): string[] {
  return hh.engine
    .events('s')
    .filter((e) => e.kind.startsWith('stack.state.') && !(e.data as { nested: boolean }).nested)
    .map((e) => `${e.kind.slice('stack.state.'.length)}${(e.data as { rollback?: boolean }).rollback ? ' (rollback follows)' : ''}`);
}

const failing = `
  cfg: {type: OS::Heat::SoftwareConfig, properties: {config: "FAKE_AGENT_FAIL"}}
  deploy: {type: OS::Heat::SoftwareDeployment, properties: {config: {get_resource: cfg}, server: {get_resource: server}}}
`;

describe('rollback (disable_rollback=false)', () => {
  it('a failed create with rollback deletes what it created; the stack stays, ROLLBACK_COMPLETE', async () => {
    h = harness();
    const t = `${head}resources:\n  server: {type: OS::TripleO::Server, properties: {name: n1}}\n  pw: {type: OS::Heat::RandomString}${failing}`;
    h.engine.createStack({ name: 's', bundle: bundleOf({ 'overcloud.yaml': t }), rollback: true });
    const s = (await h.engine.wait('s'))!;
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('ROLLBACK_COMPLETE');
    expect(states(h)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_FAILED (rollback follows)', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE']);
    expect(h.engine.resources('s', true)).toEqual([]);
    expect(h.servers.count).toBe(0);
    const op = h.store.sql.prepare("SELECT state, error FROM operations WHERE kind = 'stack.create'").get() as { state: string; error: string };
    expect(op.state).toBe('failed');
    // Deploying again (fixed) converges from nothing.
    const fixed = `${head}resources:\n  server: {type: OS::TripleO::Server, properties: {name: n1}}\n  pw: {type: OS::Heat::RandomString}\n`;
    const again = await h.deploy('s', bundleOf({ 'overcloud.yaml': fixed }));
    expect(`${again.action}_${again.status}`, again.statusReason).toBe('UPDATE_COMPLETE');
    expect(h.servers.count).toBe(1);
  });

  it('by default (as TripleO) a failed create keeps what it made', async () => {
    h = harness();
    const t = `${head}resources:\n  server: {type: OS::TripleO::Server, properties: {name: n1}}${failing}`;
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': t }));
    expect(`${s.action}_${s.status}`).toBe('CREATE_FAILED');
    expect(h.servers.count).toBe(1);
    expect(states(h)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_FAILED']);
  });

  it('a failed update with rollback returns changed resources to their previous definition', async () => {
    h = harness();
    const v1 = `${head}resources:
  server: {type: OS::TripleO::Server, properties: {name: n1, metadata: {v: 1}}}
  value: {type: OS::Heat::Value, properties: {value: one}}
  pw: {type: OS::Heat::RandomString, properties: {length: 8}}
outputs:\n  value: {value: {get_attr: [value, value]}}\n  pw: {value: {get_attr: [pw, value]}}
`;
    const v2 = `${head}resources:
  server: {type: OS::TripleO::Server, properties: {name: n1, metadata: {v: 2}}}
  value: {type: OS::Heat::Value, properties: {value: two}}
  pw: {type: OS::Heat::RandomString, properties: {length: 12}}
  added: {type: OS::Heat::Value, properties: {value: new}}
  cfg: {type: OS::Heat::SoftwareConfig, properties: {config: "FAKE_AGENT_FAIL"}}
  deploy: {type: OS::Heat::SoftwareDeployment, depends_on: [pw, value, added], properties: {config: {get_resource: cfg}, server: {get_resource: server}}}
`;
    const first = await h.deploy('s', bundleOf({ 'overcloud.yaml': v1 }));
    const serverId = h.engine.resources('s', false).find((r) => r.name === 'server')!.refId;
    h.engine.updateStack({ name: 's', bundle: bundleOf({ 'overcloud.yaml': v2 }), rollback: true });
    const s = (await h.engine.wait('s'))!;
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('ROLLBACK_COMPLETE');
    expect(states(h).slice(2)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_FAILED (rollback follows)', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE']);
    const rows = h.engine.resources('s', false);
    expect(rows.map((r) => r.name).sort()).toEqual(['pw', 'server', 'value']);
    expect(rows.find((r) => r.name === 'server')!.properties).toMatchObject({ metadata: { v: 1 } });
    // Same server (updated in place back), and the replaced RandomString is the original one, kept aside.
    expect(rows.find((r) => r.name === 'server')!.refId).toBe(serverId);
    expect(s.outputs).toEqual(first.outputs);
    // The stack's template is the previous one again: deploying it is a no-op.
    expect(h.engine.get('s').stack.template.bundle?.files['overcloud.yaml']).toBe(v1);
    const mark = h.engine.events('s').length;
    await h.deploy('s', bundleOf({ 'overcloud.yaml': v1 }));
    expect(h.engine.events('s').slice(mark).filter((e) => e.kind.startsWith('stack.resource.'))).toEqual([]);
  });
});

describe('delete while a create is in progress', () => {
  it('cancels the create and deletes what it made (Heat allows delete in CREATE_IN_PROGRESS)', async () => {
    h = harness({ options: { pollMaxMs: 20 } });
    const t = `${head}resources:\n  fast: {type: OS::TripleO::Server, properties: {name: a}}\n  slow: {type: OS::Heat::WaitCondition, properties: {handle: {get_resource: handle}, timeout: 600}}\n  handle: {type: OS::Heat::WaitConditionHandle}\n`;
    h.engine.createStack({ name: 's', bundle: bundleOf({ 'overcloud.yaml': t }), rollback: true });
    for (let i = 0; i < 100 && h.servers.count === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const d = h.engine.deleteStack('s');
    expect(`${d.action}_${d.status}`).toBe('DELETE_IN_PROGRESS');
    // A second delete while the first waits is the same delete.
    expect(h.engine.deleteStack('s').id).toBe(d.id);
    await h.engine.wait('s');
    expect(h.engine.findStack('s')).toBeUndefined();
    expect(h.servers.count).toBe(0);
    const ops = h.store.sql.prepare("SELECT kind, state FROM operations WHERE subject_id = ? ORDER BY started_at").all(d.id) as { kind: string; state: string }[];
    expect(ops).toEqual([{ kind: 'stack.create', state: 'cancelled' }, { kind: 'stack.delete', state: 'succeeded' }]);
    // The cancelled create never showed the stack FAILED, and did not roll back: the delete took over.
    const kinds = h.store.events.list({ subjectId: d.id, kinds: ['stack.state'], afterId: 0, limit: 100 }).filter((e) => !(e.data as { nested: boolean }).nested).map((e) => e.kind);
    expect(kinds).toEqual(['stack.state.CREATE_IN_PROGRESS', 'stack.state.DELETE_IN_PROGRESS', 'stack.state.DELETE_COMPLETE']);
  });

  it('an update in progress is cancelled the same way', async () => {
    h = harness({ options: { pollMaxMs: 20 } });
    const v1 = `${head}resources:\n  a: {type: OS::Heat::Value, properties: {value: 1}}\n`;
    await h.deploy('s', bundleOf({ 'overcloud.yaml': v1 }));
    const v2 = `${v1}  handle: {type: OS::Heat::WaitConditionHandle}\n  wait: {type: OS::Heat::WaitCondition, properties: {handle: {get_resource: handle}, timeout: 600}}\n`;
    h.engine.updateStack({ name: 's', bundle: bundleOf({ 'overcloud.yaml': v2 }) });
    await new Promise((r) => setTimeout(r, 100));
    h.engine.deleteStack('s');
    await h.engine.wait('s');
    expect(h.engine.findStack('s')).toBeUndefined();
  });
});
