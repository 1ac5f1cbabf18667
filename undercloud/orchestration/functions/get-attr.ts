/** get_attr: [resource, attribute, path...]; without attribute (2015-10-15+) all attributes as a map. */
import type { Json } from '../template/types.js';
import { argError, literalString } from './args.js';
import type { IntrinsicFunction } from './types.js';

const ALL_ATTRIBUTES_SINCE = '2015-10-15';

export const getAttr: IntrinsicFunction = {
  name: 'get_attr',
  since: '2013-05-23',
  validate(call, v) {
    const a = call.args;
    const min = v.version >= ALL_ATTRIBUTES_SINCE ? 1 : 2;
    if (a.kind !== 'list' || a.items.length < min) {
      argError(call, v, `arguments must be a list [resource, attribute${min === 1 ? '?' : ''}, path...]`, a);
      return;
    }
    a.items.slice(1).forEach((s) => v.validate(s));
    const name = literalString(a.items[0]);
    if (name === undefined) {
      argError(call, v, 'the resource name must be a string', a.items[0]);
      return;
    }
    if (!v.hasResource(name)) {
      v.error('UNKNOWN_RESOURCE', a.items[0]?.pos ?? call.pos, call.path, `get_attr: the resource "${name}" is not defined`);
      return;
    }
    const attr = literalString(a.items[1]);
    const known = v.attributeNames(name);
    if (attr !== undefined && known !== undefined && !known.includes(attr) && !attr.startsWith('resource.')) {
      v.error('UNKNOWN_ATTRIBUTE', a.items[1]?.pos ?? call.pos, call.path, `get_attr: the resource "${name}" has no attribute "${attr}"`);
    }
  },
  dependencies(call) {
    const name = call.args.kind === 'list' ? literalString(call.args.items[0]) : undefined;
    return name === undefined ? [] : [name];
  },
  resolve(call, e) {
    if (call.args.kind !== 'list') return undefined;
    const name = literalString(call.args.items[0]);
    if (name === undefined) return undefined;
    const rest = call.args.items.slice(1).map((s) => e.evaluate(s));
    if (rest.some((x) => x === undefined)) return undefined;
    const [attr, ...path] = rest as Json[];
    if (attr !== undefined && typeof attr !== 'string') return undefined;
    return e.ctx.getAttr(name, attr, path);
  },
};
