/**
 * One environment file -> EnvironmentFile. Sections as in Heat: parameters, parameter_defaults,
 * resource_registry (with `resources:` per-resource overrides and hooks), parameter_merge_strategies,
 * encrypted_param_names, event_sinks. Unknown sections are errors (Heat rejects them too).
 */
import type { TemplateErrorCode } from '../errors.js';
import { isTemplatePath, resolveRef } from '../template/paths.js';
import { rawToJson } from '../template/resolve.js';
import type { MapSnippet, Snippet, SourcePos, TemplateBundle } from '../template/types.js';
import { HOOK_TYPES, type EnvironmentFile, type HookType, type MergeStrategy, type RegistryTarget } from './types.js';

const SECTIONS = ['parameters', 'parameter_defaults', 'resource_registry', 'parameter_merge_strategies', 'encrypted_param_names', 'event_sinks', 'description'];
const STRATEGIES: readonly MergeStrategy[] = ['overwrite', 'merge', 'deep_merge'];

export type ErrorSink = (code: TemplateErrorCode, pos: SourcePos, path: string[], detail: string) => void;

function entriesOf(s: Snippet | undefined, path: string[], error: ErrorSink): MapSnippet['entries'] {
  if (s === undefined || (s.kind === 'literal' && s.value === null)) return [];
  if (s.kind !== 'map') {
    error('ENVIRONMENT_INVALID', s.pos, path, `"${path[path.length - 1]}" must be a map`);
    return [];
  }
  return s.entries;
}

export function parseEnvironment(file: string, root: Snippet, bundle: Pick<TemplateBundle, 'rootDir' | 'files'>, error: ErrorSink): EnvironmentFile {
  const env: EnvironmentFile = {
    file,
    parameters: new Map(),
    parameterDefaults: new Map(),
    registry: new Map(),
    resources: new Map(),
    hooks: [],
    strategies: new Map(),
    defaultStrategy: 'overwrite',
    encryptedParamNames: [],
  };
  if (root.kind === 'literal' && root.value === null) return env;
  if (root.kind !== 'map') {
    error('ENVIRONMENT_INVALID', root.pos, [], 'an environment must be a map of sections');
    return env;
  }
  const target = (v: Snippet, path: string[]): RegistryTarget | undefined => {
    if (v.kind === 'literal' && v.value === null) return { kind: 'remove', target: '', pos: v.pos };
    if (v.kind !== 'literal' || typeof v.value !== 'string') {
      error('ENVIRONMENT_INVALID', v.pos, path, 'a registry mapping must be a type name or a template path');
      return undefined;
    }
    if (!isTemplatePath(v.value)) return { kind: 'type', target: v.value, pos: v.pos };
    const r = resolveRef(bundle, file, v.value);
    if (!r.ok) {
      error('FILE_OUTSIDE_TREE', v.pos, path, r.reason);
      return undefined;
    }
    if (bundle.files[r.key] === undefined) {
      error('FILE_MISSING', v.pos, path, `the template "${v.value}" (${r.key}) is not in the bundle`);
      return undefined;
    }
    return { kind: 'file', target: r.key, pos: v.pos };
  };
  for (const section of root.entries) {
    const path = [section.key];
    switch (section.key) {
      case 'parameters':
        for (const e of entriesOf(section.value, path, error)) env.parameters.set(e.key, { value: rawToJson(e.value), pos: e.keyPos });
        break;
      case 'parameter_defaults':
        for (const e of entriesOf(section.value, path, error)) env.parameterDefaults.set(e.key, { value: rawToJson(e.value), pos: e.keyPos });
        break;
      case 'parameter_merge_strategies':
        for (const e of entriesOf(section.value, path, error)) {
          const v = e.value.kind === 'literal' ? e.value.value : undefined;
          if (typeof v !== 'string' || !(STRATEGIES as readonly string[]).includes(v)) {
            error('MERGE_STRATEGY', e.value.pos, [...path, e.key], `unknown merge strategy ${JSON.stringify(rawToJson(e.value))} (${STRATEGIES.join(', ')})`);
            continue;
          }
          if (e.key === 'default') env.defaultStrategy = v as MergeStrategy;
          else env.strategies.set(e.key, v as MergeStrategy);
        }
        break;
      case 'resource_registry':
        for (const e of entriesOf(section.value, path, error)) {
          if (e.key === 'resources') {
            for (const r of entriesOf(e.value, [...path, 'resources'], error)) {
              const entry = { registry: new Map<string, RegistryTarget>(), hooks: [] as string[] };
              for (const m of entriesOf(r.value, [...path, 'resources', r.key], error)) {
                if (m.key === 'hooks') {
                  entry.hooks = hooksOf(m.value, [...path, 'resources', r.key, 'hooks'], error);
                  env.hooks.push({ path: [r.key], hooks: entry.hooks as HookType[], pos: m.keyPos });
                  continue;
                }
                // A map is a resource of the nested stack this resource creates (Heat's nested resource entries).
                if (m.value.kind === 'map') {
                  nestedHooks(m.value, [r.key, m.key], [...path, 'resources', r.key, m.key], env, error);
                  continue;
                }
                const t = target(m.value, [...path, 'resources', r.key, m.key]);
                if (t) entry.registry.set(m.key, t);
              }
              env.resources.set(r.key, entry);
            }
            continue;
          }
          if (e.key === 'base_url') continue;
          const t = target(e.value, [...path, e.key]);
          if (t) env.registry.set(e.key, t);
        }
        break;
      case 'encrypted_param_names': {
        const v = rawToJson(section.value);
        if (Array.isArray(v)) env.encryptedParamNames = v.map(String);
        break;
      }
      case 'event_sinks':
      case 'description':
        break;
      default:
        error('ENVIRONMENT_INVALID', section.keyPos, path, `unknown environment section "${section.key}" (${SECTIONS.join(', ')})`);
    }
  }
  return env;
}

function hooksOf(v: Snippet, path: string[], error: ErrorSink): HookType[] {
  const raw = rawToJson(v);
  const out: HookType[] = [];
  for (const h of Array.isArray(raw) ? raw : [raw]) {
    if (typeof h !== 'string' || !(HOOK_TYPES as readonly string[]).includes(h)) {
      error('ENVIRONMENT_INVALID', v.pos, path, `unknown hook ${JSON.stringify(h)} (${HOOK_TYPES.join(', ')})`);
    } else out.push(h as HookType);
  }
  return out;
}

/** `resources: Parent: child: {hooks: [...], grandchild: {...}}`: hooks of resources inside nested stacks. */
function nestedHooks(s: MapSnippet, resourcePath: string[], path: string[], env: EnvironmentFile, error: ErrorSink): void {
  for (const m of s.entries) {
    if (m.key === 'hooks') env.hooks.push({ path: resourcePath, hooks: hooksOf(m.value, [...path, 'hooks'], error), pos: m.keyPos });
    else if (m.value.kind === 'map') nestedHooks(m.value, [...resourcePath, m.key], [...path, m.key], env, error);
    else error('ENVIRONMENT_INVALID', m.value.pos, [...path, m.key], 'inside a nested resource entry only "hooks" and nested resource names (maps) are accepted');
  }
}
