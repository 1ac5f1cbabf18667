import { describe, expect, it } from 'vitest';
import { parseStack } from '../../../../undercloud/orchestration/template/index.js';
import { bundleOf, errorsOf } from '../helpers.js';

const ROOT = [
  'heat_template_version: wallaby',
  'resources:',
  '  svc: {type: "OS::TripleO::Services::Foo"}',
  '  other: {type: "OS::TripleO::Services::Bar"}',
  '  net: {type: "OS::Networking::Port"}',
  '  disabled: {type: "OS::TripleO::Disabled"}',
].join('\n');
const NESTED = 'heat_template_version: wallaby\nresources: {}\n';

describe('resource_registry', () => {
  it('maps types to provider templates (relative to the env file), aliases, OS::Heat::None and globs', () => {
    const files = {
      't.yaml': ROOT,
      'deployment/foo.yaml': NESTED,
      'environments/e.yaml': [
        'resource_registry:',
        '  OS::TripleO::Services::Foo: ../deployment/foo.yaml',
        '  OS::TripleO::Services::Bar: OS::TripleO::Services::Foo',
        '  "OS::Networking::*": "OS::Neutron::*"',
        '  OS::TripleO::Disabled: OS::Heat::None',
      ].join('\n'),
    };
    const r = parseStack(bundleOf(files, 't.yaml', ['environments/e.yaml'])).definition.resources;
    expect(r['svc']).toMatchObject({ type: 'OS::TripleO::Services::Foo', resolvedType: 'deployment/foo.yaml', providerTemplate: 'deployment/foo.yaml' });
    expect(r['other']).toMatchObject({ resolvedType: 'deployment/foo.yaml', providerTemplate: 'deployment/foo.yaml' });
    expect(r['net']!.resolvedType).toBe('OS::Neutron::Port');
    expect(r['disabled']!.resolvedType).toBe('OS::Heat::None');
  });
  it('lets a later environment override and a per-resource mapping win', () => {
    const files = {
      't.yaml': ROOT,
      'a.yaml': 'resource_registry:\n  OS::TripleO::Services::Foo: OS::Heat::Value\n',
      'b.yaml': 'resource_registry:\n  OS::TripleO::Services::Foo: OS::Heat::None\n  resources:\n    svc:\n      OS::TripleO::Services::Foo: OS::Heat::Value\n      hooks: pre-create\n',
    };
    const r = parseStack(bundleOf(files, 't.yaml', ['a.yaml', 'b.yaml']));
    expect(r.definition.resources['svc']!.resolvedType).toBe('OS::Heat::Value');
    expect(r.environment.resources.get('svc')?.hooks).toEqual(['pre-create']);
  });
  it('reports alias loops, missing templates and escaping paths at the mapping', () => {
    const files = {
      't.yaml': ROOT,
      'e.yaml': [
        'resource_registry:',
        '  OS::TripleO::Services::Foo: OS::TripleO::Services::Bar',
        '  OS::TripleO::Services::Bar: OS::TripleO::Services::Foo',
        '  OS::TripleO::Disabled: missing.yaml',
        '  OS::Networking::Port: ../../x.yaml',
      ].join('\n'),
    };
    expect(errorsOf(files, {}, 't.yaml', ['e.yaml'])).toEqual(['REGISTRY_LOOP e.yaml:2:31', 'REGISTRY_LOOP e.yaml:3:31', 'FILE_MISSING e.yaml:4:26', 'FILE_OUTSIDE_TREE e.yaml:5:25']);
  });
  it('reports unknown types after mapping, naming the mapping', () => {
    const files = { 't.yaml': 'heat_template_version: wallaby\nresources:\n  a: {type: "OS::X"}\n', 'e.yaml': 'resource_registry:\n  OS::X: OS::Y\n' };
    expect(errorsOf(files, { isKnownType: (t) => t === 'OS::X' }, 't.yaml', ['e.yaml'])).toEqual(['UNKNOWN_RESOURCE_TYPE t.yaml:3:13']);
  });
});
