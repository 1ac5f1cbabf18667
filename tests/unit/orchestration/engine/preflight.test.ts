/**
 * The pre-flight node count: the tree's servers by what they ask for (validate-tree.ts), less what the
 * stored stack holds (preflight.ts), checked against the ServerPort before anything is written.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';
import { FakeServers } from '../../../../undercloud/orchestration/resources/index.js';
import { validateTree } from '../../../../undercloud/orchestration/engine/validate-tree.js';
import { serverNeeds } from '../../../../undercloud/orchestration/engine/preflight.js';
import { NotEnoughNodesError } from '../../../../undercloud/orchestration/engine/errors.js';
import type { TemplateBundle } from '../../../../undercloud/orchestration/template/types.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const head = 'heat_template_version: wallaby\n';
const root = `${head}parameters:
  ComputeCount: {type: number, default: 2}
  ControllerCount: {type: number, default: 1}
  StorageCount: {type: number, default: 0}
  WithEdge: {type: boolean, default: false}
conditions:
  edge: {get_param: WithEdge}
resources:
  Controller:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: ControllerCount}
      resource_def: {type: OS::Test::Role, properties: {Profile: control, Name: 'c-%index%'}}
  Compute:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: ComputeCount}
      resource_def: {type: OS::Test::Role, properties: {Profile: compute, Name: 'n-%index%'}}
  Storage:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: StorageCount}
      resource_def: {type: OS::Test::Role, properties: {Profile: storage, Name: 's-%index%'}}
  Edge:
    type: OS::Test::Role
    condition: edge
    properties: {Profile: compute, Name: edge}
  Later:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_attr: [Counter, value]}
      resource_def: {type: OS::Test::Role, properties: {Profile: compute, Name: 'l-%index%'}}
  Counter:
    type: OS::Heat::Value
    properties: {value: 0, type: number}
  Named:
    type: OS::Heat::Value
    properties: {value: compute, type: string}
  Unknown:
    type: OS::TripleO::Server
    properties: {name: unknown, profile: {get_attr: [Named, value]}}
`;
const role = `${head}parameters:
  Profile: {type: string}
  Name: {type: string}
resources:
  Server:
    type: OS::TripleO::Server
    properties: {name: {get_param: Name}, profile: {get_param: Profile}, capabilities: {boot_mode: uefi}}
`;
const env = 'resource_registry:\n  OS::Test::Role: role.yaml\n';
const bundle = (): TemplateBundle => bundleOf({ 'overcloud.yaml': root, 'role.yaml': role, 'env.yaml': env }, { environments: ['env.yaml'] });

function demand(parameters: Record<string, unknown> = {}) {
  return validateTree({ bundle: bundle(), templateFile: 'overcloud.yaml', parameters: parameters as never, stackName: 's', stackId: 'id', maxDepth: 10 });
}

describe('validateTree: the servers of the tree', () => {
  it('counts a group member times its count, sums asks, and leaves out what is only known later', () => {
    // Later (a count from get_attr) and Unknown (a profile from get_attr) are not counted; Storage has count 0.
    expect(demand()).toEqual([
      { profile: 'control', capabilities: { boot_mode: 'uefi' }, count: 1, paths: ['Controller/*/Server'] },
      { profile: 'compute', capabilities: { boot_mode: 'uefi' }, count: 2, paths: ['Compute/*/Server'] },
    ]);
  });

  it('counts a resource under a condition that holds, and the same template met twice twice', () => {
    expect(demand({ WithEdge: true, ComputeCount: 3, StorageCount: 2 })).toEqual([
      { profile: 'control', capabilities: { boot_mode: 'uefi' }, count: 1, paths: ['Controller/*/Server'] },
      { profile: 'compute', capabilities: { boot_mode: 'uefi' }, count: 4, paths: ['Compute/*/Server', 'Edge/Server'] },
      { profile: 'storage', capabilities: { boot_mode: 'uefi' }, count: 2, paths: ['Storage/*/Server'] },
    ]);
  });
});

describe('serverNeeds: what is still to allocate', () => {
  it('takes away the stored servers with the same ask', () => {
    const held = (profile: string, capabilities: Record<string, string> = { boot_mode: 'uefi' }) => ({ properties: { profile, capabilities } });
    expect(serverNeeds(demand({ ComputeCount: 3 }), [held('compute'), held('compute'), held('control', {})])).toEqual([
      { profile: 'control', capabilities: { boot_mode: 'uefi' }, count: 1, paths: ['Controller/*/Server'] },
      { profile: 'compute', capabilities: { boot_mode: 'uefi' }, count: 1, paths: ['Compute/*/Server'] },
    ]);
  });
});

describe('engine: the pre-flight node count', () => {
  it('refuses a create the pool cannot serve, and writes nothing', () => {
    h = harness({ servers: new FakeServers({ pool: 2 }) });
    let err: unknown;
    try {
      h.engine.createStack({ name: 'oc', bundle: bundle() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotEnoughNodesError);
    expect((err as NotEnoughNodesError).code).toBe('NO_NODE_AVAILABLE');
    expect((err as Error).message).toBe('not enough nodes for stack oc, nothing was changed: Controller/*/Server: 1, Compute/*/Server: 2 new server(s), 2 node(s) free');
    h.engine.persister.flush();
    expect(h.engine.list()).toEqual([]);
    expect(h.servers.count).toBe(0);
  });

  it('counts what the stack holds: an update that adds more than is free is refused and changes nothing', async () => {
    h = harness({ servers: new FakeServers({ pool: 5 }) });
    expect((await h.deploy('oc', bundle())).status).toBe('COMPLETE');
    expect(h.servers.count).toBe(4); // Unknown's server too: not predicted, but allocated
    // The same again, and one more Compute: the stack's own servers count as served.
    expect((await h.engine.preview({ name: 'oc', bundle: bundle(), parameters: { ComputeCount: 3 } })).shortfalls).toEqual([]);
    const preview = await h.engine.preview({ name: 'oc', bundle: bundle(), parameters: { ComputeCount: 4 } });
    expect(preview.shortfalls).toEqual(['Compute/*/Server: 2 new server(s), 1 node(s) free']);
    expect(() => h!.engine.updateStack({ name: 'oc', bundle: bundle(), parameters: { ComputeCount: 4 } })).toThrow(NotEnoughNodesError);
    const after = h.engine.get('oc').stack;
    expect(`${after.action}_${after.status}`).toBe('CREATE_COMPLETE');
    expect(after.template.parameters).toEqual({});
    expect((await h.deploy('oc', bundle(), { ComputeCount: 3 })).status).toBe('COMPLETE');
    expect(h.servers.count).toBe(5);
  });
});
