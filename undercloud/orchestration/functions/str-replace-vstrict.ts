/** str_replace_vstrict: str_replace_strict that also fails when a param value is empty. */
import { resolveReplace, validateReplace } from './str-replace.js';
import type { IntrinsicFunction } from './types.js';

export const strReplaceVstrict: IntrinsicFunction = {
  name: 'str_replace_vstrict',
  since: '2018-03-02',
  validate: (call, v) => validateReplace(call, v, 'vstrict'),
  resolve: (call, e) => resolveReplace(call, e, 'vstrict'),
};
