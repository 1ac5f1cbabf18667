import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRoles } from '../../../../undercloud/orchestration/roles/index.js';
import { parseStack, resolveSnippet } from '../../../../undercloud/orchestration/template/index.js';
import { bundleOf, contextFor, errorsOf } from '../helpers.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/orchestration/tree');
const ROLES = readFileSync(path.join(FIXTURES, 'roles_data.yaml'), 'utf8');
const ROOT = 'heat_template_version: wallaby\nresources: {}\n';
const ROLE = readFileSync(path.join(FIXTURES, 'role.yaml'), 'utf8');

describe('renderRoles', () => {
  it('renders per-role parameters with TripleO names and defaults', () => {
    const r = renderRoles(ROLES, 'roles_data.yaml');
    expect(r.errors).toEqual([]);
    expect(r.roles.map((x) => [x.name, x.countDefault, x.hostnameFormatDefault])).toEqual([
      ['Controller', 1, '%stackname%-controller-%index%'],
      ['Compute', 0, '%stackname%-novacompute-%index%'],
    ]);
    expect(r.parameters.map((p) => p.key)).toContain('ComputeRemovalPoliciesMode');
    expect(r.resources.map((p) => p.key)).toEqual(['Controller', 'Compute']);
  });
  it('reports invalid roles at their position', () => {
    const r = renderRoles('- name: Controller\n- name: 9bad\n- name: Controller\n', 'roles.yaml');
    expect(r.errors.map((e) => `${e.code} ${e.pos.line}:${e.pos.col}`)).toEqual(['ROLES_INVALID 2:9']);
    const dup = renderRoles('- name: A\n- name: A\n', 'roles.yaml');
    expect(dup.errors.map((e) => e.detail)).toEqual(['roles_data: the role "A" is defined twice']);
    const twins = renderRoles("- name: Compute\n  HostnameFormatDefault: '%stackname%-cmp-%index%'\n- name: ComputeB\n  HostnameFormatDefault: '%stackname%-cmp-%index%'\n", 'roles.yaml');
    expect(twins.errors.map((e) => `${e.pos.line}:${e.pos.col} ${e.detail}`)).toEqual([
      '4:26 roles_data: the roles "Compute" and "ComputeB" have the same hostname format "%stackname%-cmp-%index%": their servers would share hostnames; give ComputeB its own (e.g. \'%stackname%-computeb-%index%\')',
    ]);
  });
});

describe('roles in parseStack', () => {
  const files = { 't.yaml': ROOT, 'roles_data.yaml': ROLES, 'role.yaml': ROLE, 'reg.yaml': 'resource_registry:\n  OS::TripleO::Role: role.yaml\n' };
  const bundle = { ...bundleOf(files, 't.yaml', ['reg.yaml']), rolesData: 'roles_data.yaml' };

  it('adds a ResourceGroup per role driven by <Role>Count, RemovalPolicies and RemovalPoliciesMode', () => {
    const env = { ...files, 'e.yaml': "parameter_defaults:\n  ComputeCount: 2\n  ComputeRemovalPolicies: [{resource_list: ['0']}]\n  ComputeServices: [OS::TripleO::Services::A, OS::TripleO::Services::B]\n  ComputeHostnameFormat: '%stackname%-cmp-%index%'\n" };
    const r = parseStack({ ...bundleOf(env, 't.yaml', ['reg.yaml', 'e.yaml']), rolesData: 'roles_data.yaml' });
    const group = r.definition.resources['Compute']!;
    expect(group.type).toBe('OS::Heat::ResourceGroup');
    const props = resolveSnippet(group.properties, contextFor(r)) as Record<string, unknown>;
    expect(props).toMatchObject({
      count: 2,
      removal_policies: [{ resource_list: ['0'] }],
      removal_policies_mode: 'append',
      resource_def: {
        type: 'OS::TripleO::Compute',
        properties: { Hostname: 'overcloud-cmp-%index%', ServiceNames: ['OS::TripleO::Services::A', 'OS::TripleO::Services::B'], Index: '%index%', RoleName: 'Compute' },
      },
    });
    expect(r.parameterValues['ControllerCount']).toBe(1);
  });
  it('maps OS::TripleO::<Role> to OS::TripleO::Role by default, so one role template serves every role', () => {
    const def = parseStack(bundle).definition;
    expect(def.resources['Controller']!.type).toBe('OS::Heat::ResourceGroup');
    const member = parseStack(bundle, { templateFile: 'role.yaml', depth: 1, parameters: { RoleName: 'Compute', Index: '0', Hostname: 'h-0', ServiceNames: [], RoleParameters: {}, Image: 'i' } });
    expect(member.parameterValues['Hostname']).toBe('h-0');
  });
  it('lets the root template define a role resource itself', () => {
    const own = { ...files, 't.yaml': 'heat_template_version: wallaby\nresources:\n  Compute: {type: OS::Heat::None}\n' };
    const def = parseStack({ ...bundleOf(own, 't.yaml', ['reg.yaml']), rolesData: 'roles_data.yaml' }).definition;
    expect(def.resources['Compute']!.type).toBe('OS::Heat::None');
    expect(def.resources['Controller']!.type).toBe('OS::Heat::ResourceGroup');
  });
  it('checks RemovalPoliciesMode values', () => {
    const env = { ...files, 'e.yaml': 'parameter_defaults:\n  ComputeRemovalPoliciesMode: replace\n' };
    expect(errorsOf(env, {}, 't.yaml', ['reg.yaml', 'e.yaml']).length).toBe(0);
    const b = { ...bundleOf(env, 't.yaml', ['reg.yaml', 'e.yaml']), rolesData: 'roles_data.yaml' };
    expect(() => parseStack(b)).toThrow(/e.yaml:2:3: parameter "ComputeRemovalPoliciesMode"/);
  });
});
