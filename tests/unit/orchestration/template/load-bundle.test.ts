import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundle, parseStack, TemplateErrors } from '../../../../undercloud/orchestration/template/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/orchestration');

describe('loadBundle', () => {
  it('reads the root, environments, roles, registry-mapped templates and get_file targets recursively', async () => {
    const b = await loadBundle(path.join(FIXTURES, 'tree'), { environments: [path.join(FIXTURES, 'tree/environments/custom.yaml')] });
    expect(Object.keys(b.files).sort()).toEqual([
      'environments/custom.yaml',
      'nested/leaf.yaml',
      'nested/thing.yaml',
      'overcloud-resource-registry.yaml',
      'overcloud.yaml',
      'role.yaml',
      'roles_data.yaml',
      'scripts/hello.sh',
    ]);
    expect(b.environments).toEqual(['overcloud-resource-registry.yaml', 'environments/custom.yaml']);
    expect(b.rolesData).toBe('roles_data.yaml');
    const r = parseStack(b);
    expect(r.definition.resources['thing']!.providerTemplate).toBe('nested/thing.yaml');
    expect(r.parameterValues['Greeting']).toBe('hi');
    expect(r.parameterValues['ComputeCount']).toBe(3);
  });
  it('applies environment directories in name order before -e files', async () => {
    const b = await loadBundle(path.join(FIXTURES, 'tree'), { environmentDirectories: [path.join(FIXTURES, 'tree/environments')], defaultRegistry: false, rolesData: false });
    expect(b.environments).toEqual(['environments/custom.yaml']);
    expect(parseStack(b).definition.resources['thing']!.providerTemplate).toBe('nested/thing.yaml');
  });
  it('plain HOT when rolesData is false', async () => {
    const b = await loadBundle(path.join(FIXTURES, 'tree'), { rolesData: false, defaultRegistry: false, environments: [path.join(FIXTURES, 'tree/environments/custom.yaml')] });
    expect(b.rolesData).toBeUndefined();
    expect(Object.keys(parseStack(b).definition.resources).sort()).toEqual(['script', 'thing']);
  });
  it('reports references escaping the tree and missing files with their positions', async () => {
    const err = await loadBundle(path.join(FIXTURES, 'escape')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemplateErrors);
    expect((err as TemplateErrors).errors.map((e) => `${e.code} ${e.pos.file}:${e.pos.line}:${e.pos.col}`)).toEqual(['FILE_OUTSIDE_TREE overcloud.yaml:6:25', 'FILE_MISSING overcloud.yaml:8:11']);
  });
});
