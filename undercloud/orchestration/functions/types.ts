/**
 * An intrinsic function: Heat's Function with its three questions (engine/function.py). `validate` checks
 * the arguments without evaluating them, `dependencies` names the resources a call needs, `resolve`
 * evaluates. Versions are data: `since` and `removedIn` gate a name per heat_template_version.
 */
import type { TemplateErrorCode } from '../errors.js';
import type { FunctionCall, Json, ResolveContext, Snippet, SourcePos } from '../template/types.js';

export interface ValidateContext {
  /** Canonical date of the template's heat_template_version. */
  readonly version: string;
  /** True while validating the template's `conditions:` section. */
  readonly inConditions: boolean;
  hasParameter(name: string): boolean;
  hasResource(name: string): boolean;
  hasCondition(name: string): boolean;
  /** Attribute names of a resource's type, when the engine told us; undefined = unknown, do not check. */
  attributeNames(resource: string): readonly string[] | undefined;
  error(code: TemplateErrorCode, pos: SourcePos, path: string[], detail: string): void;
  /** Validates a nested snippet (arguments that may themselves contain calls). */
  validate(snippet: Snippet): void;
}

/** Marker a 2-argument `if` returns when its condition is false: the enclosing item is dropped. */
export const OMIT: unique symbol = Symbol('omit');
export type Resolved = Json | undefined | typeof OMIT;

export interface EvalContext {
  readonly ctx: ResolveContext;
  /** Resolves a snippet; undefined = not known yet (propagates). */
  evaluate(snippet: Snippet): Json | undefined;
  /** Evaluates a condition argument: a condition name, a boolean, or a condition function. */
  condition(snippet: Snippet): boolean | undefined;
}

export interface IntrinsicFunction {
  readonly name: string;
  /** First heat_template_version with this function. */
  readonly since: string;
  /** First version without it (the name then fails validation with `replacement` as the hint). */
  readonly removedIn?: string;
  readonly replacement?: string;
  /** True for functions allowed in the conditions section (equals, not, and, or, contains, get_param). */
  readonly condition?: boolean;
  validate(call: FunctionCall, v: ValidateContext): void;
  /** Resource names this call needs (get_resource, get_attr). Args are walked by the caller. */
  dependencies?(call: FunctionCall): string[];
  resolve(call: FunctionCall, e: EvalContext): Resolved;
}
