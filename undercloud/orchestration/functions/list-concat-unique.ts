/** list_concat_unique: list_concat without repeated items (first occurrence kept, deep equality). */
import type { Json } from '../template/types.js';
import { jsonEqual } from './args.js';
import { concatLists, validateLists } from './list-concat.js';
import type { IntrinsicFunction } from './types.js';

export const listConcatUnique: IntrinsicFunction = {
  name: 'list_concat_unique',
  since: '2018-03-02',
  validate: validateLists,
  resolve(call, e) {
    const all = concatLists(call, e);
    if (all === undefined) return undefined;
    const out: Json[] = [];
    for (const x of all) if (!out.some((y) => jsonEqual(x, y))) out.push(x);
    return out;
  },
};
