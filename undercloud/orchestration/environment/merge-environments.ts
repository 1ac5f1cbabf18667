/**
 * Applies environment files in order (-e order; later wins), each file's parameter_merge_strategies
 * governing how its own values combine with what came before.
 */
import type { ParameterType } from '../template/types.js';
import type { ErrorSink } from './parse-environment.js';
import { mergeValue } from './merge-strategies.js';
import type { EnvValue, EnvironmentFile, MergedEnvironment } from './types.js';
import { emptyEnvironment } from './types.js';

export function mergeEnvironments(files: EnvironmentFile[], paramTypes: (name: string) => ParameterType | undefined, error: ErrorSink): MergedEnvironment {
  const out = emptyEnvironment();
  for (const f of files) {
    const apply = (into: Map<string, EnvValue>, from: Map<string, EnvValue>, section: string): void => {
      for (const [k, v] of from) {
        const strategy = f.strategies.get(k) ?? f.defaultStrategy;
        const prev = into.get(k);
        const r = mergeValue(prev?.value, v.value, strategy, paramTypes(k));
        if (!r.ok) {
          error('MERGE_STRATEGY', v.pos, [section, k], `${k}: ${r.message}`);
          continue;
        }
        into.set(k, { value: r.value, pos: v.pos });
      }
    };
    apply(out.parameters, f.parameters, 'parameters');
    apply(out.parameterDefaults, f.parameterDefaults, 'parameter_defaults');
    for (const [k, t] of f.registry) {
      if (t.kind === 'remove') out.registry.delete(k);
      else out.registry.set(k, t);
    }
    for (const [name, r] of f.resources) {
      const cur = out.resources.get(name) ?? { registry: new Map(), hooks: [] };
      for (const [k, t] of r.registry) cur.registry.set(k, t);
      cur.hooks = r.hooks.length > 0 ? r.hooks : cur.hooks;
      out.resources.set(name, cur);
    }
    for (const rule of f.hooks) {
      const key = rule.path.join('\u0000');
      const i = out.hooks.findIndex((h) => h.path.join('\u0000') === key);
      if (i >= 0) out.hooks[i] = rule;
      else out.hooks.push(rule);
    }
    out.encryptedParamNames.push(...f.encryptedParamNames);
  }
  return out;
}
