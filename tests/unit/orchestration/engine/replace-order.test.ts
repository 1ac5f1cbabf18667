import { afterEach, describe, expect, it } from 'vitest';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';
import { FakeServers } from '../../../../undercloud/orchestration/resources/index.js';
import { resourcePlugins, SERVER_TYPE } from '../../../../undercloud/orchestration/resources/index.js';
import type { ServerRequest } from '../../../../undercloud/orchestration/ports.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const head = 'heat_template_version: wallaby\n';

/** Fake servers that remember the most they ever held at once. */
class PeakServers extends FakeServers {
  peak = 0;
  override async allocate(req: ServerRequest): Promise<string> {
    const id = await super.allocate(req);
    this.peak = Math.max(this.peak, this.count);
    return id;
  }
}

function timeline(hh: Harness): string[] {
  return hh.engine
    .events('s')
    .filter((e) => e.kind.startsWith('stack.resource.'))
    .map((e) => `${String((e.data as { resource: string }).resource).replace(/~replaced-[0-9a-f]{8}$/, '~old')} ${e.kind.slice('stack.resource.'.length)}`);
}

describe('replacement order', () => {
  it('types declare it: servers delete-first, everything else create-first (Heat convergence)', () => {
    expect(resourcePlugins.get(SERVER_TYPE)!.replaceOrder).toBe('delete-first');
    expect(resourcePlugins.get('OS::Heat::RandomString')!.replaceOrder ?? 'create-first').toBe('create-first');
  });

  it('create-first: the replacement is created, dependents move to it, and the old resource is deleted when the stack is done', async () => {
    h = harness();
    const t = (length: number) => `${head}resources:
  r: {type: OS::Heat::RandomString, properties: {length: ${length}}}
  v: {type: OS::Heat::Value, properties: {value: {get_attr: [r, value]}}}
outputs:\n  v: {value: {get_attr: [v, value]}}\n`;
    await h.deploy('s', bundleOf({ 'overcloud.yaml': t(8) }));
    const mark = timeline(h).length;
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': t(12) }));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('UPDATE_COMPLETE');
    expect(String(s.outputs?.v)).toHaveLength(12);
    expect(timeline(h).slice(mark)).toEqual([
      'r CREATE_IN_PROGRESS', 'r CREATE_COMPLETE',
      'v UPDATE_IN_PROGRESS', 'v UPDATE_COMPLETE',
      'r~old DELETE_IN_PROGRESS', 'r~old DELETE_COMPLETE',
    ]);
    expect(h.engine.resources('s', false).map((r) => r.name)).toEqual(['r', 'v']);
  });

  it('delete-first: a server is released before its replacement is allocated, so two never hold nodes at once', async () => {
    const servers = new PeakServers();
    h = harness({ servers });
    const t = (profile: string) => `${head}resources:\n  server: {type: OS::TripleO::Server, properties: {name: n1, profile: ${profile}}}\n`;
    await h.deploy('s', bundleOf({ 'overcloud.yaml': t('compute') }));
    const mark = timeline(h).length;
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': t('control') }));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('UPDATE_COMPLETE');
    expect(timeline(h).slice(mark)).toEqual(['server DELETE_IN_PROGRESS', 'server DELETE_COMPLETE', 'server CREATE_IN_PROGRESS', 'server CREATE_COMPLETE']);
    expect(servers.peak).toBe(1);
    expect(servers.released).toBe(1);
  });

  it('a provider template whose type changes is replaced create-first; the server inside it is a new one', async () => {
    const servers = new PeakServers();
    h = harness({ servers });
    const a = `${head}resources:\n  server: {type: OS::TripleO::Server, properties: {name: a}}\n`;
    const b = `${head}resources:\n  server: {type: OS::TripleO::Server, properties: {name: b}}\n`;
    const t = (file: string) => `${head}resources:\n  node: {type: ${file}}\n`;
    await h.deploy('s', bundleOf({ 'overcloud.yaml': t('a.yaml'), 'a.yaml': a, 'b.yaml': b }));
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': t('b.yaml'), 'a.yaml': a, 'b.yaml': b }));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('UPDATE_COMPLETE');
    expect(servers.peak).toBe(2);
    expect(servers.count).toBe(1);
    expect(h.engine.resources('s', true).filter((r) => r.type === SERVER_TYPE).map((r) => r.stackName)).toEqual(['s-node']);
  });
});
