/**
 * One environment file -> EnvironmentFile. Sections as in Heat: parameters, parameter_defaults,
 * resource_registry (with `resources:` per-resource overrides and hooks), parameter_merge_strategies,
 * encrypted_param_names, event_sinks. Unknown sections are errors (Heat rejects them too).
 */
import type { TemplateErrorCode } from '../errors.js';
import { isTemplatePath, resolveRef } from '../template/paths.js';
import { rawToJson } from '../template/resolve.js';
import type { MapSnippet, Snippet, SourcePos, TemplateBundle } from '../template/types.js';
import type { EnvironmentFile, MergeStrategy, RegistryTarget } from './types.js';

const SECTIONS = ['parameters', 'parameter_defaults', 'resource_registry', 'parameter_merge_strategies', 'encrypted_param_names', 'event_sinks', 'description'];
const STRATEGIES: readonly MergeStrategy[] = ['overwrite', 'merge', 'deep_merge'];
const HOOKS = ['pre-create', 'pre-update', 'pre-delete', 'post-create', 'post-update', 'post-delete'];

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
                  const hooks = rawToJson(m.value);
                  const list = Array.isArray(hooks) ? hooks : [hooks];
                  for (const h of list) {
                    if (typeof h !== 'string' || !HOOKS.includes(h)) {
                      error('ENVIRONMENT_INVALID', m.value.pos, [...path, 'resources', r.key, 'hooks'], `unknown hook ${JSON.stringify(h)} (${HOOKS.join(', ')})`);
                    } else entry.hooks.push(h);
                  }
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
