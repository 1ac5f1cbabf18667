/** list_join: [delimiter, list, list...]. Items: strings; maps/lists json.dumps(sort_keys); null ''; others fail (Heat). */
import type { Json } from '../template/types.js';
import { argError, fail, listArgs } from './args.js';
import { pyJsonDumps } from './python-text.js';
import type { IntrinsicFunction } from './types.js';

export const listJoin: IntrinsicFunction = {
  name: 'list_join',
  since: '2014-10-16',
  validate(call, v) {
    const items = listArgs(call, v, 2, Infinity, 'a list [delimiter, list, ...]');
    if (items === undefined) {
      if (call.args.kind === 'call') v.validate(call.args);
      return;
    }
    items.forEach((s) => v.validate(s));
    const d = items[0];
    if (d?.kind === 'literal' && typeof d.value !== 'string') argError(call, v, 'the delimiter must be a string', d);
    for (const l of items.slice(1)) if (l.kind === 'literal' || l.kind === 'map') argError(call, v, 'items after the delimiter must be lists', l);
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!Array.isArray(args) || args.length < 2) fail(call, 'arguments must be a list [delimiter, list, ...]');
    const [delim, ...lists] = args as [Json, ...Json[]];
    if (typeof delim !== 'string') fail(call, 'the delimiter must be a string');
    const strings: string[] = [];
    for (const l of lists) {
      if (!Array.isArray(l)) fail(call, 'items after the delimiter must be lists');
      for (const item of l) {
        if (item === null) strings.push('');
        else if (typeof item === 'string') strings.push(item);
        else if (typeof item === 'object') strings.push(pyJsonDumps(item));
        else fail(call, `items to join must be strings, maps or lists, not ${JSON.stringify(item)}`);
      }
    }
    return strings.join(delim);
  },
};
