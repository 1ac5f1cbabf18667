/** `overcloud roles`: the role files of templates/roles_data and the roles_data.yaml made of them. */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { availableRoles, generateRolesData, readRoleFile } from '../../../../undercloud/orchestration/roles/role-files.js';
import { renderRoles } from '../../../../undercloud/orchestration/roles/render-roles.js';

const T = path.resolve(import.meta.dirname, '../../../../templates');
const DIR = path.join(T, 'roles_data');

let tmp: string | undefined;
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

const thrown = (fn: () => unknown): { code?: string; message: string } => {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('nothing thrown');
};

describe('role files', () => {
  it('templates/roles_data offers the default roles and two storage splits, each valid and named as its file', () => {
    expect(availableRoles(DIR)).toEqual(['BlockStorage', 'Compute', 'Controller', 'ObjectStorage', 'Storage']);
    for (const name of availableRoles(DIR)) expect(readRoleFile(DIR, name).role.name).toBe(name);
  });

  it('templates/roles_data.yaml is what `roles generate Controller Compute Storage` makes (the two stay in sync)', () => {
    const generated = generateRolesData(DIR, ['Controller', 'Compute', 'Storage']);
    expect(generated.startsWith('#'.repeat(79))).toBe(true);
    expect(parseYaml(generated)).toEqual(parseYaml(readFileSync(path.join(T, 'roles_data.yaml'), 'utf8')));
  });

  it('ROLE:NEWNAME adds a role again under a name of its own, with its own hostnames', () => {
    const text = generateRolesData(DIR, ['Controller', 'Compute', 'Compute:ComputeEdge']);
    const r = renderRoles(text, 'roles_data.yaml');
    expect(r.errors).toEqual([]);
    expect(r.roles.map((x) => [x.name, x.hostnameFormatDefault])).toEqual([
      ['Controller', '%stackname%-controller-%index%'], ['Compute', '%stackname%-novacompute-%index%'], ['ComputeEdge', '%stackname%-computeedge-%index%'],
    ]);
    expect(r.roles[2]!.servicesDefault).toEqual(r.roles[1]!.servicesDefault);
  });

  it('refuses what TripleO refuses, and a role asked for twice, saying why', () => {
    expect(thrown(() => generateRolesData(DIR, ['Networker'])).message).toContain('no role Networker in');
    expect(thrown(() => generateRolesData(DIR, ['Compute:Edge'])).message).toContain('the new name must start with Compute');
    expect(thrown(() => generateRolesData(DIR, ['Compute:Compute'])).code).toBe('ROLE_REQUEST_INVALID');
    expect(thrown(() => generateRolesData(DIR, ['Compute', 'Compute'])).message).toContain('the role Compute is asked for twice');
    expect(thrown(() => generateRolesData(DIR, [])).code).toBe('ROLES_REQUIRED');
  });

  it('a role file that is not one role named as the file is refused with its position or its name', () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'roles-'));
    writeFileSync(path.join(tmp, 'Edge.yaml'), '- name: Other\n');
    writeFileSync(path.join(tmp, 'Bad.yaml'), '- name: Bad\n  CountDefault: many\n');
    expect(thrown(() => readRoleFile(tmp!, 'Edge')).message).toContain('a role file holds one role named as the file (Edge); it has Other');
    expect(thrown(() => readRoleFile(tmp!, 'Bad')).message).toMatch(/Bad\.yaml:2:\d+: roles_data: \/0\/CountDefault must be integer/);
  });
});
