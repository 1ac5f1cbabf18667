/**
 * yaql: {expression, data}. A documented subset of YAQL (see docs/orchestration-templates.md and
 * yaql/evaluate.ts): the expression is parsed at validation, so a syntax error or an unsupported
 * function is reported with the template position instead of failing at run time.
 */
import { argError, fail, mapArgs } from './args.js';
import type { IntrinsicFunction } from './types.js';
import { checkVariables, evaluateYaql, unsupportedCalls, YaqlError } from './yaql/evaluate.js';
import { parseYaql } from './yaql/parse.js';

export const yaql: IntrinsicFunction = {
  name: 'yaql',
  since: '2016-10-14',
  validate(call, v) {
    const m = mapArgs(call, v, ['expression', 'data'], ['expression']);
    if (m === undefined) {
      if (call.args.kind === 'call') v.validate(call.args);
      return;
    }
    for (const s of m.values()) v.validate(s);
    const ex = m.get('expression');
    if (ex?.kind === 'literal') {
      if (typeof ex.value !== 'string') return argError(call, v, '"expression" must be a string', ex);
      try {
        const ast = parseYaql(ex.value);
        const bad = unsupportedCalls(ast);
        if (bad.length > 0) argError(call, v, `unsupported yaql function(s) ${bad.map((b) => b + '()').join(', ')} (see docs/orchestration-templates.md for the subset)`, ex);
        else checkVariables(ast);
      } catch (err) {
        if (err instanceof YaqlError) argError(call, v, err.message, ex);
        else throw err;
      }
    }
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) fail(call, 'arguments must be a map {expression, data}');
    const ex = args['expression'];
    if (typeof ex !== 'string') fail(call, '"expression" must be a string');
    try {
      return evaluateYaql(parseYaql(ex), args['data'] ?? null);
    } catch (err) {
      if (err instanceof YaqlError) fail(call, err.message);
      throw err;
    }
  },
};
