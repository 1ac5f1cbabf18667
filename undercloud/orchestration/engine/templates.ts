/**
 * The engine's one door to the template side (template/index.ts, built by the template engineer): parse a
 * stack file of a bundle with parameters, resolve snippets, find their dependencies. Kept in one file so the
 * engine depends on a handful of calls, and tests can see exactly what is used.
 */
import { evaluateConditions, extendBundle, parseStack, resolveCondition, resolveSnippet, snippetDependencies } from '../template/index.js';
import type { Json, ResolveContext, Snippet, StackDefinition, TemplateBundle } from '../template/types.js';
import type { ParseStackOptions } from '../template/index.js';
import type { HookRule } from '../environment/types.js';
import { attributeNames, isKnownType } from '../resources/index.js';

export interface LoadedTemplate {
  definition: StackDefinition;
  parameterValues: Record<string, Json>;
  warnings: unknown[];
  /** The environment's breakpoints. */
  hooks: readonly HookRule[];
}

export type LoadOptions = Pick<ParseStackOptions, 'templateFile' | 'parameters' | 'unknownParameters' | 'depth' | 'maxDepth' | 'parentPos'>;

export function loadTemplate(bundle: TemplateBundle, opts: LoadOptions): LoadedTemplate {
  const parsed = parseStack(bundle, { ...opts, isKnownType, attributeNames });
  return { definition: parsed.definition, parameterValues: parsed.parameterValues, warnings: (parsed.warnings ?? []) as unknown[], hooks: parsed.environment.hooks };
}

export function resolve(snippet: Snippet, ctx: ResolveContext): Json | undefined {
  return resolveSnippet(snippet, ctx);
}

export function resolveCond(snippet: Snippet, ctx: ResolveContext): boolean | undefined {
  return resolveCondition(snippet, ctx);
}

export function dependenciesOf(snippet: Snippet | undefined): Set<string> {
  return snippet === undefined ? new Set() : snippetDependencies(snippet);
}

export function conditionsOf(def: StackDefinition, params: Record<string, Json>, env: { stackName: string; stackId: string; projectId: string }): Record<string, boolean> {
  return evaluateConditions(def, params, env);
}

/** A bundle with a nested stack's generated files, sharing the parses of the files it has in common with `base`. */
export function withFiles(base: TemplateBundle, files: Record<string, string>): TemplateBundle {
  return extendBundle(base, files);
}
