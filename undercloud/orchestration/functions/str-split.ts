/** str_split: [delimiter, string, index?] — the list of parts, or the part at index. */
import type { Json } from '../template/types.js';
import { argError, fail, listArgs } from './args.js';
import type { IntrinsicFunction } from './types.js';

export const strSplit: IntrinsicFunction = {
  name: 'str_split',
  since: '2015-10-15',
  validate(call, v) {
    const items = listArgs(call, v, 2, 3, 'a list [delimiter, string, index?]');
    if (items === undefined) {
      if (call.args.kind === 'call') v.validate(call.args);
      return;
    }
    items.forEach((s) => v.validate(s));
    const d = items[0];
    if (d?.kind === 'literal' && typeof d.value !== 'string') argError(call, v, 'the delimiter must be a string', d);
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!Array.isArray(args) || args.length < 2 || args.length > 3) fail(call, 'arguments must be a list [delimiter, string, index?]');
    const [delim, str, index] = args as [Json, Json, Json | undefined];
    if (typeof delim !== 'string') fail(call, 'the delimiter must be a string');
    if (typeof str !== 'string') fail(call, `can only split strings, not ${JSON.stringify(str)}`);
    if (delim === '') fail(call, 'the delimiter must not be empty');
    const parts = str.split(delim);
    if (index === undefined) return parts;
    const i = typeof index === 'number' ? index : typeof index === 'string' && /^-?\d+$/.test(index) ? Number(index) : NaN;
    if (!Number.isInteger(i)) fail(call, `the index must be an integer, not ${JSON.stringify(index)}`);
    const idx = i < 0 ? parts.length + i : i;
    if (idx < 0 || idx >= parts.length) fail(call, `index ${i} out of range for ${parts.length} parts`);
    return parts[idx] as string;
  },
};
