/**
 * Semantic validation of a built StackDefinition (after ajv has checked structure): every function's
 * validate(), references to parameters/resources/conditions, depends_on targets, condition arguments.
 * Errors go to a sink so that one pass reports all of them.
 */
import type { TemplateErrorCode } from '../errors.js';
import { validateConditionArg } from '../functions/condition-args.js';
import { FUNCTIONS } from '../functions/index.js';
import type { ValidateContext } from '../functions/index.js';
import type { Snippet, SourcePos, StackDefinition } from './types.js';

export type Sink = (code: TemplateErrorCode, pos: SourcePos, path: string[], detail: string) => void;

export interface ValidateOptions {
  version: string;
  attributeNames?: (resource: string) => readonly string[] | undefined;
}

function makeContext(def: StackDefinition, o: ValidateOptions, error: Sink, inConditions: boolean): ValidateContext {
  const v: ValidateContext = {
    version: o.version,
    inConditions,
    hasParameter: (n) => Object.hasOwn(def.parameters, n),
    hasResource: (n) => Object.hasOwn(def.resources, n),
    hasCondition: (n) => Object.hasOwn(def.conditions, n),
    attributeNames: (r) => o.attributeNames?.(r),
    error,
    validate(s: Snippet) {
      walk(s, v);
    },
  };
  return v;
}

function walk(s: Snippet, v: ValidateContext): void {
  switch (s.kind) {
    case 'literal':
      return;
    case 'list':
      s.items.forEach((i) => walk(i, v));
      return;
    case 'map':
      s.entries.forEach((e) => walk(e.value, v));
      return;
    case 'call': {
      const fn = FUNCTIONS.get(s.fn);
      if (fn === undefined) return;
      if (v.inConditions && fn.condition !== true) {
        v.error('FUNCTION_ARGS', s.pos, s.path, `${s.fn} is not allowed in conditions (only get_param, equals, not, and, or, contains)`);
        return;
      }
      fn.validate(s, v);
    }
  }
}

/** parameter_groups name existing parameters, each in at most one group (as Heat checks). */
export function validateParameterGroups(groups: Snippet | undefined, def: StackDefinition, error: Sink): void {
  if (groups?.kind !== 'list') return;
  const seen = new Map<string, number>();
  groups.items.forEach((g, gi) => {
    const params = g.kind === 'map' ? g.entries.find((e) => e.key === 'parameters')?.value : undefined;
    if (params?.kind !== 'list') return;
    for (const p of params.items) {
      if (p.kind !== 'literal' || typeof p.value !== 'string') continue;
      const path = ['parameter_groups', String(gi), 'parameters'];
      if (!Object.hasOwn(def.parameters, p.value)) error('UNKNOWN_PARAMETER', p.pos, path, `parameter_groups: the parameter "${p.value}" is not defined`);
      else if (seen.has(p.value)) error('TEMPLATE_STRUCTURE', p.pos, path, `parameter_groups: the parameter "${p.value}" is already in group ${seen.get(p.value)}`);
      else seen.set(p.value, gi);
    }
  });
}

export function validateDefinition(def: StackDefinition, o: ValidateOptions, error: Sink): void {
  const v = makeContext(def, o, error, false);
  for (const r of Object.values(def.resources)) {
    const path = ['resources', r.name];
    v.validate(r.properties);
    if (r.metadata) v.validate(r.metadata);
    if (r.updatePolicy) v.validate(r.updatePolicy);
    if (r.externalId) v.validate(r.externalId);
    if (r.condition) validateConditionArg(r.condition, undefined, v, [...path, 'condition']);
  }
  for (const out of Object.values(def.outputs)) {
    v.validate(out.value);
    if (out.condition) validateConditionArg(out.condition, undefined, v, ['outputs', out.name, 'condition']);
  }
  const c = makeContext(def, o, error, true);
  for (const [name, s] of Object.entries(def.conditions)) {
    if (s.kind === 'literal' && typeof s.value === 'string' && s.value === name) {
      error('CONDITION_CYCLE', s.pos, ['conditions', name], `the condition "${name}" refers to itself`);
      continue;
    }
    validateConditionArg(s, undefined, c, ['conditions', name]);
  }
}
