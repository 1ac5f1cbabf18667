/** digest: [algorithm, value] — hex digest of a string (Python hashlib's guaranteed algorithms). */
import { createHash, getHashes } from 'node:crypto';
import { argError, fail, listArgs, literalString } from './args.js';
import type { IntrinsicFunction } from './types.js';

const ALGORITHMS: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
};
const available = new Set(getHashes());

export const digest: IntrinsicFunction = {
  name: 'digest',
  since: '2015-04-30',
  validate(call, v) {
    const items = listArgs(call, v, 2, 2, 'a list [algorithm, value]');
    if (items === undefined) {
      if (call.args.kind === 'call') v.validate(call.args);
      return;
    }
    items.forEach((s) => v.validate(s));
    const alg = literalString(items[0]);
    if (alg !== undefined && !(alg in ALGORITHMS)) argError(call, v, `unknown algorithm "${alg}" (${Object.keys(ALGORITHMS).join(', ')})`, items[0]);
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!Array.isArray(args) || args.length !== 2) fail(call, 'arguments must be a list [algorithm, value]');
    const [alg, value] = args;
    const node = typeof alg === 'string' ? ALGORITHMS[alg] : undefined;
    if (node === undefined || !available.has(node)) fail(call, `unknown algorithm ${JSON.stringify(alg)}`);
    if (typeof value !== 'string') fail(call, 'the value must be a string');
    return createHash(node).update(value, 'utf8').digest('hex');
  },
};
