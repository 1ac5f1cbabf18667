/** get_resource: name — the resource's reference id; an implicit dependency. */
import { argError, literalString } from './args.js';
import type { IntrinsicFunction } from './types.js';

export const getResource: IntrinsicFunction = {
  name: 'get_resource',
  since: '2013-05-23',
  validate(call, v) {
    const name = literalString(call.args);
    if (name === undefined) {
      argError(call, v, 'argument must be a resource name', call.args);
      return;
    }
    if (!v.hasResource(name)) v.error('UNKNOWN_RESOURCE', call.args.pos, call.path, `get_resource: the resource "${name}" is not defined`);
  },
  dependencies(call) {
    const name = literalString(call.args);
    return name === undefined ? [] : [name];
  },
  resolve(call, e) {
    const name = literalString(call.args);
    return name === undefined ? undefined : e.ctx.getResourceRef(name);
  },
};
