/**
 * The value of every parameter of a template, by precedence: the caller's values (a nested stack's
 * properties, -P for the root) > the environment's `parameters` (root only) > `parameter_defaults` >
 * the template's default. Each value is coerced to its type and checked against its constraints; an
 * error points where that value was written.
 */
import type { MergedEnvironment } from '../environment/types.js';
import { defaultPos } from './build-definition.js';
import { checkConstraints, coerceParameter } from './parameters.js';
import type { Json, MapSnippet, SourcePos, StackDefinition } from './types.js';
import type { Sink } from './validate.js';

export interface ParameterValuesInput {
  definition: StackDefinition;
  root: MapSnippet;
  env: MergedEnvironment;
  isRoot: boolean;
  supplied: Record<string, Json>;
  /**
   * Supplied values that are only known once other resources exist (validation of a nested template before
   * anything is created): these names count as given, and their values are not checked. 'all' = the
   * caller's whole property map is unknown, so neither missing nor unknown names can be told.
   */
  unknown?: readonly string[] | 'all';
  parentPos?: SourcePos;
  error: Sink;
}

export function computeParameterValues(i: ParameterValuesInput): Record<string, Json> {
  const { definition: def, env, error } = i;
  const out: Record<string, Json> = {};
  const callerPos = i.parentPos ?? { file: def.file, line: 1, col: 1 };
  if (i.isRoot) {
    for (const [k, v] of env.parameters) {
      if (!Object.hasOwn(def.parameters, k)) error('UNKNOWN_PARAMETER', v.pos, ['parameters', k], `the environment sets "${k}", which the template does not define (use parameter_defaults for optional values)`);
    }
  }
  const allUnknown = i.unknown === 'all';
  const unknown = new Set(allUnknown ? [] : (i.unknown ?? []));
  for (const k of [...Object.keys(i.supplied), ...unknown]) {
    if (!Object.hasOwn(def.parameters, k)) error('UNKNOWN_PARAMETER', callerPos, [k], `"${k}" is not a parameter of ${def.file}`);
  }
  for (const p of Object.values(def.parameters)) {
    // Given, but only known at create time: checked then, when the parent resource resolves its properties.
    if (unknown.has(p.name)) continue;
    let value: Json | undefined;
    let pos: SourcePos = p.pos;
    let source = 'value';
    const fromEnv = (i.isRoot ? env.parameters.get(p.name) : undefined) ?? env.parameterDefaults.get(p.name);
    // A null property of a template resource means "not given" (Heat drops None properties).
    if (Object.hasOwn(i.supplied, p.name) && i.supplied[p.name] !== null) {
      value = i.supplied[p.name] as Json;
      pos = callerPos;
      source = 'supplied value';
    } else if (fromEnv !== undefined) {
      value = fromEnv.value;
      pos = fromEnv.pos;
      source = 'environment value';
    } else if (p.default !== undefined) {
      value = p.default;
      pos = defaultPos(i.root, p.name) ?? p.pos;
      source = 'default';
    }
    if (value === undefined) {
      if (allUnknown) continue;
      error('PARAMETER_MISSING', p.pos, ['parameters', p.name], `the parameter "${p.name}" has no value and no default`);
      continue;
    }
    const shown = p.hidden ? '******' : JSON.stringify(value);
    const coerced = coerceParameter(p.type, value);
    if (!coerced.ok) {
      error('PARAMETER_INVALID', pos, ['parameters', p.name], `parameter "${p.name}" (${p.type}): ${p.hidden ? 'hidden value is invalid' : coerced.message}`);
      continue;
    }
    for (const v of checkConstraints(p, coerced.value)) {
      error('PARAMETER_CONSTRAINT', pos, ['parameters', p.name], `parameter "${p.name}" ${source} ${shown}: ${p.hidden ? `violates the ${v.constraint.kind} constraint` : v.message} (constraint at ${v.constraint.pos.line}:${v.constraint.pos.col})`);
    }
    out[p.name] = coerced.value;
  }
  return out;
}
