/** get_param: [name, path...] — a parameter's value, indexed into json/list values. Missing path -> '' (Heat). */
import type { FunctionCall, Json, Snippet } from '../template/types.js';
import { argError, literalString } from './args.js';
import type { IntrinsicFunction } from './types.js';

export const PSEUDO_PARAMETERS = ['OS::stack_name', 'OS::stack_id', 'OS::project_id'] as const;

function parts(call: FunctionCall): Snippet[] | undefined {
  const a = call.args;
  if (a.kind === 'literal' && typeof a.value === 'string') return [a];
  if (a.kind === 'list' && a.items.length > 0) return a.items;
  return undefined;
}

/** Heat's get_path_component: lists take ints (or int strings), maps take keys; any miss yields ''. */
export function indexPath(value: Json, path: Json[]): Json {
  let cur: Json = value;
  for (const key of path) {
    if (typeof key !== 'string' && typeof key !== 'number') return '';
    if (Array.isArray(cur) || typeof cur === 'string') {
      const i = typeof key === 'number' ? key : /^-?\d+$/.test(key) ? Number(key) : NaN;
      if (!Number.isInteger(i)) return '';
      const idx = i < 0 ? cur.length + i : i;
      if (idx < 0 || idx >= cur.length) return '';
      cur = (Array.isArray(cur) ? cur[idx] : cur[idx]) as Json;
    } else if (typeof cur === 'object' && cur !== null) {
      const k = String(key);
      if (!(k in cur)) return '';
      cur = cur[k] as Json;
    } else return '';
  }
  return cur;
}

export const getParam: IntrinsicFunction = {
  name: 'get_param',
  since: '2013-05-23',
  condition: true,
  validate(call, v) {
    const p = parts(call);
    if (p === undefined) {
      if (call.args.kind !== 'call') argError(call, v, 'argument must be a parameter name or a list [name, path...]', call.args);
      else v.validate(call.args);
      return;
    }
    p.forEach((s) => v.validate(s));
    const name = literalString(p[0]);
    if (name === undefined) {
      if (p[0]?.kind !== 'call') argError(call, v, 'the parameter name must be a string', p[0]);
      return;
    }
    if (!(PSEUDO_PARAMETERS as readonly string[]).includes(name) && !v.hasParameter(name)) {
      v.error('UNKNOWN_PARAMETER', p[0]?.pos ?? call.pos, call.path, `get_param: the parameter "${name}" is not defined`);
    }
  },
  resolve(call, e) {
    let resolved: (Json | undefined)[];
    if (call.args.kind === 'call') {
      const whole = e.evaluate(call.args);
      if (whole === undefined) return undefined;
      resolved = Array.isArray(whole) ? whole : [whole];
    } else {
      const p = parts(call);
      if (p === undefined) return undefined;
      resolved = p.map((s) => e.evaluate(s));
    }
    if (resolved.some((x) => x === undefined)) return undefined;
    const [name, ...path] = resolved as Json[];
    if (typeof name !== 'string') return undefined;
    let value: Json | undefined;
    if (name === 'OS::stack_name') value = e.ctx.stackName;
    else if (name === 'OS::stack_id') value = e.ctx.stackId;
    else if (name === 'OS::project_id') value = e.ctx.projectId;
    else value = e.ctx.getParam(name);
    if (value === undefined) return undefined;
    return path.length === 0 ? value : indexPath(value, path);
  },
};
