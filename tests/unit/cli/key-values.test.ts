import { describe, expect, it } from 'vitest';
import { keyValues } from '../../../undercloud/cli/common/key-values.js';
import { UndercloudError } from '../../../undercloud/errors.js';

describe('KEY=VALUE options', () => {
  it('splits at the first "=", keeps empty values, and names the flag of a malformed one', () => {
    expect(keyValues(['ComputeCount=2', 'Hint={"a":"b=c"}', 'Empty='], '-P')).toEqual({ ComputeCount: '2', Hint: '{"a":"b=c"}', Empty: '' });
    expect(keyValues(undefined, '-P')).toEqual({});
    let err: unknown;
    try {
      keyValues(['=x'], '--driver-info');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UndercloudError);
    expect((err as UndercloudError).code).toBe('CLI_USAGE');
    expect((err as Error).message).toBe('--driver-info =x: expected KEY=VALUE');
  });
});
