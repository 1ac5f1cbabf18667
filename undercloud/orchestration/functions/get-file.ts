/**
 * get_file: path — resolved by the client: loadBundle reads the file and parseStack replaces the call with
 * the file's text. A get_file left in a parsed tree has a non-literal argument, which Heat rejects too.
 */
import { argError } from './args.js';
import type { IntrinsicFunction } from './types.js';

export const getFile: IntrinsicFunction = {
  name: 'get_file',
  since: '2013-05-23',
  validate(call, v) {
    argError(call, v, 'argument must be a literal file path (files are read by the client)', call.args);
  },
  resolve() {
    return undefined;
  },
};
