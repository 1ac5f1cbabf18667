import { afterEach, describe, expect, it } from 'vitest';
import { bundleOf, harness, type Harness } from '../../../fakes/orchestration/harness.js';
import { TemplateErrors } from '../../../../undercloud/orchestration/template/index.js';
import type { TemplateBundle } from '../../../../undercloud/orchestration/template/types.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

const head = 'heat_template_version: wallaby\n';

/** The codes and positions a create is refused with; asserts it wrote nothing. */
function refused(bundle: TemplateBundle, parameters = {}): string[] {
  h ??= harness();
  const before = h.store.counts();
  let err: unknown;
  try {
    h.engine.createStack({ name: 's', bundle, parameters });
  } catch (e) {
    err = e;
  }
  expect(err, 'the create was accepted').toBeInstanceOf(TemplateErrors);
  h.engine.persister.flush();
  expect(h.store.counts().stacks).toBe(before.stacks);
  expect(h.engine.list()).toEqual([]);
  return (err as TemplateErrors).errors.map((e) => `${e.code} ${e.pos.file}:${e.pos.line}:${e.pos.col}`);
}

// root -> mid.yaml (registry) -> leaf.yaml (type: path), with a bad argument in leaf.yaml line 7, column 43.
const root = `${head}resources:
  password: {type: OS::Heat::RandomString}
  mid:
    type: OS::Test::Mid
    properties: {secret: {get_attr: [password, value]}, name: web}
`;
const mid = `${head}parameters:
  secret: {type: string}
  name: {type: string}
resources:
  leaf:
    type: leaf.yaml
    properties: {value: {get_param: secret}}
outputs:
  out: {value: {get_attr: [leaf, out]}}
`;
const leaf = `${head}parameters:
  value: {type: string, constraints: [{length: {min: 8}}]}
resources:
  v:
    type: OS::Heat::Value
    properties: {value: {list_join: [',', 1]}}
outputs:
  out: {value: {get_attr: [v, value]}}
`;
const env = 'resource_registry:\n  OS::Test::Mid: mid.yaml\n';

function tree(files: Record<string, string>): TemplateBundle {
  return bundleOf({ 'overcloud.yaml': root, 'mid.yaml': mid, 'leaf.yaml': leaf, 'env.yaml': env, ...files }, { environments: ['env.yaml'] });
}

describe('whole-tree validation before the first write', () => {
  it('an error in a template two levels down fails the create, with its file, line and column; nothing is written', () => {
    expect(refused(tree({}))).toEqual(['FUNCTION_ARGS leaf.yaml:7:43']);
    expect(h!.store.counts().resources ?? 0).toBe(0);
    expect(h!.servers.count).toBe(0);
  });

  it('a dry run (preview) refuses the same tree', async () => {
    h = harness();
    await expect(h!.engine.preview({ name: 's', bundle: tree({}) })).rejects.toThrow(TemplateErrors);
  });

  it('the same tree without the error validates and creates; a parameter fed by get_attr is not judged before creation', async () => {
    h = harness();
    const good = tree({ 'leaf.yaml': leaf.replace("{list_join: [',', 1]}", "{list_join: [',', [a, b]]}") });
    const s = await h.deploy('s', good);
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
  });

  it('an update whose tree has an error changes nothing: same template, same state, no event', async () => {
    h = harness();
    const good = tree({ 'leaf.yaml': leaf.replace("{list_join: [',', 1]}", 'x') });
    await h.deploy('s', good);
    const before = h.engine.get('s').stack;
    const events = h.engine.events('s').length;
    expect(() => h!.engine.updateStack({ name: 's', bundle: tree({}) })).toThrow(TemplateErrors);
    const after = h.engine.get('s').stack;
    expect(after.template.bundle?.files['leaf.yaml']).toBe(before.template.bundle?.files['leaf.yaml']);
    expect(`${after.action}_${after.status}`).toBe('CREATE_COMPLETE');
    expect(h.engine.events('s')).toHaveLength(events);
  });

  it('known values are checked against nested parameters, two levels down; errors point at the parent resource', () => {
    const fixed = { 'leaf.yaml': leaf.replace("{list_join: [',', 1]}", 'x') };
    const short = root.replace('{get_attr: [password, value]}', 'short');
    expect(refused(tree({ ...fixed, 'overcloud.yaml': short }))).toEqual(['PARAMETER_CONSTRAINT mid.yaml:6:3']);
    const extra = root.replace('name: web}', 'name: web, extra: 1}');
    expect(refused(tree({ ...fixed, 'overcloud.yaml': extra }))).toEqual(['UNKNOWN_PARAMETER overcloud.yaml:4:3']);
  });

  it('a ResourceGroup member that is a provider template is validated, whatever the count', () => {
    const t = `${head}resources:
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 0
      resource_def: {type: OS::Test::Member, properties: {name: 'host-%index%'}}
`;
    const member = `${head}parameters:\n  name: {type: string}\nresources:\n  v: {type: OS::Heat::Valu}\n`;
    const b = bundleOf({ 'overcloud.yaml': t, 'member.yaml': member, 'env.yaml': 'resource_registry:\n  OS::Test::Member: member.yaml\n' }, { environments: ['env.yaml'] });
    expect(refused(b)).toEqual(['UNKNOWN_RESOURCE_TYPE member.yaml:5:13']);
  });

  it('a member type given as a template path is relative to the template the group is written in', async () => {
    h = harness();
    const parent = `${head}resources:\n  g: {type: OS::Heat::ResourceGroup, properties: {count: 2, resource_def: {type: m.yaml}}}\noutputs:\n  n: {value: {get_attr: [g, n]}}\n`;
    const m = `${head}resources: {}\noutputs:\n  n: {value: {get_param: 'OS::stack_name'}}\n`;
    const t = `${head}resources:\n  p: {type: sub/parent.yaml}\noutputs:\n  n: {value: {get_attr: [p, n]}}\n`;
    const s = await h.deploy('s', bundleOf({ 'overcloud.yaml': t, 'sub/parent.yaml': parent, 'sub/m.yaml': m }));
    expect(`${s.action}_${s.status}`, s.statusReason).toBe('CREATE_COMPLETE');
    expect(s.outputs?.n).toEqual(['s-p-g-0', 's-p-g-1']);
  });

  it('an unknown member type points at the group resource, not at the generated template', () => {
    const t = `${head}resources:\n  group:\n    type: OS::Heat::ResourceGroup\n    properties: {count: 2, resource_def: {type: OS::Test::Nope}}\n`;
    expect(refused(bundleOf({ 'overcloud.yaml': t }))).toEqual(['UNKNOWN_RESOURCE_TYPE overcloud.yaml:3:3']);
  });

  it('OS::Heat::Stack with a literal template, and ResourceChain members, are validated', () => {
    const inner = `${head}parameters:\n  x: {type: number}\nresources: {}\n`;
    const t = `${head}resources:
  nested:
    type: OS::Heat::Stack
    properties: {template: {get_file: inner.yaml}, parameters: {x: notanumber}}
  chain:
    type: OS::Heat::ResourceChain
    properties: {resources: [OS::Test::Svc], resource_properties: {}}
`;
    const svc = `${head}parameters:\n  required: {type: string}\nresources: {}\n`;
    const b = bundleOf({ 'overcloud.yaml': t, 'inner.yaml': inner, 'svc.yaml': svc, 'env.yaml': 'resource_registry:\n  OS::Test::Svc: svc.yaml\n' }, { environments: ['env.yaml'] });
    expect(refused(b)).toEqual(['PARAMETER_INVALID overcloud.yaml:3:3', 'PARAMETER_MISSING svc.yaml:3:3']);
  });

  it('a dependency cycle in a nested template and a wrong property of a plugin type are errors with positions', () => {
    const nested = `${head}resources:
  a: {type: OS::Heat::Value, properties: {value: {get_attr: [b, value]}}}
  b: {type: OS::Heat::Value, properties: {value: {get_attr: [a, value]}}}
`;
    const t = `${head}resources:
  n: {type: nested.yaml}
  s: {type: OS::TripleO::Server, properties: {name: {get_attr: [n, OS::stack_id]}, flavour: big}}
`;
    expect(refused(bundleOf({ 'overcloud.yaml': t, 'nested.yaml': nested }))).toEqual(['CIRCULAR_DEPENDENCY nested.yaml:3:3', 'PROPERTIES_INVALID overcloud.yaml:4:84']);
  });

  it('a bad update_policy is refused before the create', () => {
    const t = `${head}resources:
  group:
    type: OS::Heat::ResourceGroup
    update_policy: {rolling_update: {max_batch_size: 0}}
    properties: {count: 1, resource_def: {type: OS::Heat::None}}
`;
    expect(refused(bundleOf({ 'overcloud.yaml': t }))).toEqual(['PROPERTIES_INVALID overcloud.yaml:5:21']);
  });
});
