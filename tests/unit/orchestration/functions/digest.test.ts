import { describe, expect, it } from 'vitest';
import { evalError, evalExpr, exprErrors } from '../helpers.js';

describe('digest', () => {
  it('hashes with the named algorithm (hex)', () => {
    expect(evalExpr('{digest: [sha256, abc]}')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(evalExpr('{digest: [md5, abc]}')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(evalExpr('{digest: [sha512, ""]}')).toMatch(/^cf83e135/);
  });
  it('rejects an unknown algorithm at validation', () => {
    expect(exprErrors('{digest: [sha999, abc]}')[0]).toMatch(/^FUNCTION_ARGS t.yaml:8:24: digest: unknown algorithm "sha999"/);
  });
  it('fails on a non-string value', () => {
    expect(evalError('{digest: [sha1, {get_param: N}]}', { params: '{N: {type: number, default: 1}}' })).toMatch(/digest: the value must be a string/);
  });
});
