/** Shared helpers for the template-side unit tests: build a one-resource template around an expression. */
import { evaluateConditions, parseStack, resolveSnippet, TemplateErrors } from '../../../undercloud/orchestration/template/index.js';
import type { Json, ParsedStack, ResolveContext, TemplateBundle } from '../../../undercloud/orchestration/template/index.js';

export interface EvalOptions {
  version?: string;
  /** YAML flow map of parameter definitions, e.g. `{A: {type: string, default: x}}`. */
  params?: string;
  conditions?: string;
  /** Values for the parameters (the caller's values). */
  values?: Record<string, Json>;
  /** get_attr answers: `res.attr` -> value; missing = not known yet. */
  attrs?: Record<string, Json>;
  files?: Record<string, string>;
}

/** The expression always sits on line 8, column 14. */
export function template(expr: string, o: EvalOptions = {}): string {
  return [
    `heat_template_version: ${o.version ?? 'wallaby'}`,
    `parameters: ${o.params ?? '{}'}`,
    // A comment keeps the expression on line 8 whether or not there are conditions (2016-10-14+ only).
    o.conditions !== undefined ? `conditions: ${o.conditions}` : '# no conditions',
    'resources:',
    '  r:',
    '    type: OS::Heat::Value',
    '    properties:',
    `      value: ${expr}`,
    '  other: {type: OS::Heat::Value}',
    '',
  ].join('\n');
}

export function bundleOf(files: Record<string, string>, root = 't.yaml', environments: string[] = []): TemplateBundle {
  return { rootTemplate: root, files, environments };
}

export function contextFor(parsed: ParsedStack, o: EvalOptions = {}): ResolveContext {
  const conds = evaluateConditions(parsed.definition, parsed.parameterValues);
  return {
    getParam: (n) => parsed.parameterValues[n],
    getResourceRef: (n) => `${n}-id`,
    getAttr: (n, attr, path) => {
      if (attr === undefined) return o.attrs ? Object.fromEntries(Object.entries(o.attrs).filter(([k]) => k.startsWith(n + '.')).map(([k, v]) => [k.slice(n.length + 1), v])) : undefined;
      let v = o.attrs?.[`${n}.${attr}`];
      for (const p of path) v = v === undefined ? undefined : ((v as Record<string, Json>)[String(p)] ?? undefined);
      return v;
    },
    condition: (n) => conds[n] ?? false,
    resourceFacade: (s) => (s === 'deletion_policy' ? 'Retain' : s === 'metadata' ? { m: 1 } : null),
    stackName: 'overcloud',
    stackId: 'stack-id',
    projectId: 'project-id',
  };
}

/** Parses a template around `expr` and resolves it. */
export function evalExpr(expr: string, o: EvalOptions = {}): Json | undefined {
  const parsed = parseStack(bundleOf({ 't.yaml': template(expr, o), ...(o.files ?? {}) }), { parameters: o.values ?? {} });
  const props = resolveSnippet(parsed.definition.resources['r']!.properties, contextFor(parsed, o));
  return props === undefined ? undefined : (props as Record<string, Json>)['value'];
}

/** The errors a bundle produces, as "CODE file:line:col" strings (empty when it validates). */
export function errorsOf(files: Record<string, string>, opts: Parameters<typeof parseStack>[1] = {}, root = 't.yaml', environments: string[] = []): string[] {
  try {
    parseStack(bundleOf(files, root, environments), opts);
    return [];
  } catch (err) {
    if (!(err instanceof TemplateErrors)) throw err;
    return err.errors.map((e) => `${e.code} ${e.pos.file}:${e.pos.line}:${e.pos.col}`);
  }
}

/** The error messages of a template around `expr` (empty when it validates). */
export function exprErrors(expr: string, o: EvalOptions = {}): string[] {
  try {
    parseStack(bundleOf({ 't.yaml': template(expr, o), ...(o.files ?? {}) }), { parameters: o.values ?? {} });
    return [];
  } catch (err) {
    if (!(err instanceof TemplateErrors)) throw err;
    return err.errors.map((e) => `${e.code} ${e.message}`);
  }
}

/** Resolving throws (run-time function failure): its message. */
export function evalError(expr: string, o: EvalOptions = {}): string {
  try {
    evalExpr(expr, o);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected resolving to fail');
}
