import { describe, expect, it } from 'vitest';
import { isTemplatePath, resolveRef } from '../../../../undercloud/orchestration/template/paths.js';

describe('resolveRef', () => {
  it('resolves relative to the referring file', () => {
    expect(resolveRef({}, 'environments/e.yaml', '../deployment/x.yaml')).toEqual({ ok: true, key: 'deployment/x.yaml' });
    expect(resolveRef({}, 'a/b.yaml', './c/d.sh')).toEqual({ ok: true, key: 'a/c/d.sh' });
  });
  it('confines references to the template tree', () => {
    expect(resolveRef({}, 'a.yaml', '../x').ok).toBe(false);
    expect(resolveRef({}, 'a.yaml', '/etc/passwd').ok).toBe(false);
    expect(resolveRef({ rootDir: '/t' }, 'a.yaml', 'file:///t/x.yaml')).toEqual({ ok: true, key: 'x.yaml' });
    expect(resolveRef({ rootDir: '/t' }, '/home/u/env.yaml', '../../../t/y.yaml')).toEqual({ ok: true, key: 'y.yaml' });
    expect(resolveRef({ rootDir: '/t' }, 'a.yaml', 'https://example.com/x.yaml').ok).toBe(false);
  });
  it('tells template paths from type names', () => {
    expect(isTemplatePath('x.yaml')).toBe(true);
    expect(isTemplatePath('OS::Heat::None')).toBe(false);
  });
});
