import { describe, expect, it } from 'vitest';
import { Breakpoints, globMatch, hasHook, parseHook, pathMatches } from '../../../../undercloud/orchestration/engine/breakpoints.js';
import { parseStack } from '../../../../undercloud/orchestration/template/index.js';
import { bundleOf, errorsOf } from '../helpers.js';

const pos = { file: 'env.yaml', line: 1, col: 1 };

describe('breakpoint matching', () => {
  it('fnmatch patterns, case-sensitive', () => {
    expect(globMatch('*NodesPostDeployment', 'ControllerNodesPostDeployment')).toBe(true);
    expect(globMatch('*NodesPostDeployment', 'ControllerNodesPostDeploymentX')).toBe(false);
    expect(globMatch('Compute?', 'Compute1')).toBe(true);
    expect(globMatch('[0-2]', '1')).toBe(true);
    expect(globMatch('[!0-2]', '1')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('server', 'Server')).toBe(false);
  });

  it('a rule matches a resource path level by level, and only at its depth', () => {
    expect(pathMatches(['Compute', '*', 'Deployment'], ['Compute', '3', 'Deployment'])).toBe(true);
    expect(pathMatches(['*'], ['Compute', '3'])).toBe(false);
    const rules = [{ path: ['*', '*', 'Deployment'], hooks: ['pre-update' as const], pos }];
    expect(hasHook(rules, ['Compute', '0', 'Deployment'], 'pre-update')).toBe(true);
    expect(hasHook(rules, ['Compute', '0', 'Deployment'], 'pre-create')).toBe(false);
  });

  it('waits until cleared; clearing matches paths and hook types; abort rejects', async () => {
    const b = new Breakpoints();
    const ac = new AbortController();
    let done = false;
    const w = b.wait('root', ['Compute', '0', 'Server'], 'pre-create', ac.signal).then(() => (done = true));
    expect(b.list('root')).toEqual([{ path: ['Compute', '0', 'Server'], hook: 'pre-create' }]);
    expect(b.clear('root', ['Compute', '*', 'Server'], 'pre-update')).toEqual([]);
    expect(b.clear('other', ['Compute', '*', 'Server'])).toEqual([]);
    expect(b.clear('root', ['Compute', '*', 'Server'])).toEqual([{ path: ['Compute', '0', 'Server'], hook: 'pre-create' }]);
    await w;
    expect(done).toBe(true);
    const aborted = b.wait('root', ['x'], 'pre-delete', ac.signal);
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(b.list('root')).toEqual([]);
  });

  it('hook names are Heat\'s', () => {
    expect(parseHook('pre-create')).toBe('pre-create');
    expect(parseHook(null)).toBeUndefined();
    expect(() => parseHook('pre-launch')).toThrow(/unknown hook/);
  });
});

describe('environment hooks', () => {
  const t = 'heat_template_version: wallaby\nresources:\n  a: {type: OS::Heat::None}\n';

  it('top-level and nested entries, later files replace the same path', () => {
    const e1 = 'resource_registry:\n  resources:\n    "*NodesDeployment": {hooks: pre-create}\n    Compute:\n      "*":\n        Deployment: {hooks: [pre-update, post-update]}\n';
    const e2 = 'resource_registry:\n  resources:\n    "*NodesDeployment": {hooks: [pre-delete]}\n';
    const env = parseStack(bundleOf({ 't.yaml': t, 'e1.yaml': e1, 'e2.yaml': e2 }, 't.yaml', ['e1.yaml', 'e2.yaml'])).environment;
    expect(env.hooks.map((r) => [r.path, r.hooks])).toEqual([
      [['*NodesDeployment'], ['pre-delete']],
      [['Compute', '*', 'Deployment'], ['pre-update', 'post-update']],
    ]);
  });

  it('an unknown hook, or a type mapping inside a nested entry, is an error at its position', () => {
    const env = 'resource_registry:\n  resources:\n    a: {hooks: [pre-launch]}\n    b:\n      c:\n        d: OS::Heat::None\n';
    expect(errorsOf({ 't.yaml': t, 'e.yaml': env }, {}, 't.yaml', ['e.yaml'])).toEqual(['ENVIRONMENT_INVALID e.yaml:3:16', 'ENVIRONMENT_INVALID e.yaml:6:12']);
  });
});
