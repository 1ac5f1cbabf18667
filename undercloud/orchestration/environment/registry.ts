/**
 * resource_registry lookup: a resource's type (as written) -> what it runs as. Per-resource mappings win
 * over global ones; `OS::Foo::*` globs map by prefix; aliases chain (OS::A -> OS::B -> file) and a chain
 * that comes back on itself is REGISTRY_LOOP.
 */
import type { SourcePos } from '../template/types.js';
import type { MergedEnvironment, RegistryTarget } from './types.js';

export type TypeResolution =
  | { ok: true; resolvedType: string; providerTemplate?: string; via?: SourcePos }
  | { ok: false; code: 'REGISTRY_LOOP'; message: string; pos: SourcePos };

function lookup(env: MergedEnvironment, type: string, resourceName: string): RegistryTarget | undefined {
  const own = env.resources.get(resourceName)?.registry.get(type);
  if (own) return own;
  const exact = env.registry.get(type);
  if (exact) return exact;
  for (const [k, t] of env.registry) {
    if (k.endsWith('*') && type.startsWith(k.slice(0, -1))) {
      if (t.kind === 'type' && t.target.endsWith('*')) return { ...t, target: t.target.slice(0, -1) + type.slice(k.length - 1) };
      return t;
    }
  }
  return undefined;
}

export function resolveType(env: MergedEnvironment, type: string, resourceName: string): TypeResolution {
  const seen: string[] = [type];
  let cur = type;
  let via: SourcePos | undefined;
  for (;;) {
    const t = lookup(env, cur, resourceName);
    if (t === undefined || t.kind === 'remove') return via ? { ok: true, resolvedType: cur, via } : { ok: true, resolvedType: cur };
    via = t.pos;
    if (t.kind === 'file') return { ok: true, resolvedType: t.target, providerTemplate: t.target, via };
    if (t.target === cur) return { ok: true, resolvedType: cur, via };
    if (seen.includes(t.target)) {
      return { ok: false, code: 'REGISTRY_LOOP', message: `resource_registry aliases loop: ${[...seen, t.target].join(' -> ')}`, pos: t.pos };
    }
    seen.push(t.target);
    cur = t.target;
  }
}
