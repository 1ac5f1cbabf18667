/** str_replace_strict: str_replace that fails when a param key is not in the template. */
import { resolveReplace, validateReplace } from './str-replace.js';
import type { IntrinsicFunction } from './types.js';

export const strReplaceStrict: IntrinsicFunction = {
  name: 'str_replace_strict',
  since: '2017-09-01',
  validate: (call, v) => validateReplace(call, v, 'strict'),
  resolve: (call, e) => resolveReplace(call, e, 'strict'),
};
