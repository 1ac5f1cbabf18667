/**
 * Errors of the template side of the engine (template/, functions/, environment/, roles/). Every error
 * that cites a template node carries its position and Heat-style path; validation collects all of them
 * into one TemplateErrors (Heat stops at the first; an operator fixing a 40-file plan should not have to).
 */
import { InvalidError } from '../errors.js';
import type { SourcePos } from './template/types.js';

/** Stable codes of template problems. Code and tests match these, never messages. */
export type TemplateErrorCode =
  | 'YAML_SYNTAX'
  | 'TEMPLATE_STRUCTURE'
  | 'TEMPLATE_VERSION'
  | 'TEMPLATE_TOO_LARGE'
  | 'NESTING_TOO_DEEP'
  | 'FUNCTION_ARGS'
  | 'FUNCTION_REMOVED'
  | 'FUNCTION_FAILED'
  | 'UNKNOWN_PARAMETER'
  | 'UNKNOWN_RESOURCE'
  | 'UNKNOWN_CONDITION'
  | 'UNKNOWN_RESOURCE_TYPE'
  | 'UNKNOWN_ATTRIBUTE'
  | 'PARAMETER_MISSING'
  | 'PARAMETER_INVALID'
  | 'PARAMETER_CONSTRAINT'
  | 'CONDITION_CYCLE'
  | 'FILE_MISSING'
  | 'FILE_OUTSIDE_TREE'
  | 'REGISTRY_LOOP'
  | 'ENVIRONMENT_INVALID'
  | 'MERGE_STRATEGY'
  | 'ROLES_INVALID'
  | 'NETWORKS_INVALID'
  | 'BAREMETAL_DEPLOYMENT_INVALID'
  | 'PROPERTIES_INVALID'
  | 'CIRCULAR_DEPENDENCY'
  | 'TEMPLATE_RENDER';

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

/** One problem at one template node. The message starts with `file:line:col`. */
export class TemplateError extends InvalidError {
  readonly pos: SourcePos;
  readonly path: string[];
  readonly detail: string;
  constructor(code: TemplateErrorCode, pos: SourcePos, path: string[], detail: string) {
    const where = path.length > 0 ? ` (${path.join('.')})` : '';
    super(code, `${formatPos(pos)}: ${detail}${where}`);
    this.pos = pos;
    this.path = path;
    this.detail = detail;
  }
}

/** Thrown by parseStack/loadBundle when a bundle does not validate: every error found, sorted by position. */
export class TemplateErrors extends InvalidError {
  readonly errors: TemplateError[];
  constructor(errors: TemplateError[]) {
    // The same problem reached twice (two resources of one looping type) is reported once.
    const unique = [...new Map(errors.map((e) => [e.message, e])).values()];
    const sorted = unique.sort(comparePos);
    super('TEMPLATE_INVALID', `${sorted.length} template error(s):\n` + sorted.map((e) => e.message).join('\n'));
    this.errors = sorted;
  }
}

/**
 * Thrown while resolving a snippet at run time (str_replace_strict on a value only known after creation,
 * str_split index out of range, a map_replace collision). Carries the call's position like a TemplateError.
 */
export class FunctionError extends TemplateError {
  constructor(pos: SourcePos, path: string[], detail: string) {
    super('FUNCTION_FAILED', pos, path, detail);
  }
}

/** Something suspicious but legal (`{get_parm: x}` is plain data). Returned, never thrown. */
export interface TemplateWarning {
  code: 'SIMILAR_FUNCTION' | 'FUNCTION_NOT_IN_VERSION' | 'IGNORED_KEY';
  pos: SourcePos;
  path: string[];
  message: string;
}

export function comparePos(a: { pos: SourcePos }, b: { pos: SourcePos }): number {
  if (a.pos.file !== b.pos.file) return a.pos.file < b.pos.file ? -1 : 1;
  return a.pos.line - b.pos.line || a.pos.col - b.pos.col;
}
