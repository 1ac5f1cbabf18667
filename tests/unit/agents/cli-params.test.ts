import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { mergeParams, parseParam, parseParamFile, waitBudgetS } from '../../../undercloud/cli/commands/agent-run.js';
import { tempDir } from '../../helpers/tmp.js';

describe('undercloud agent run parameters', () => {
  it('KEY=VALUE is a string, whatever it looks like; only the first = splits', () => {
    expect(parseParam('mode=0644')).toEqual(['mode', '0644']);
    expect(parseParam('enabled=true')).toEqual(['enabled', 'true']);
    expect(parseParam('content=a=b')).toEqual(['content', 'a=b']);
    expect(parseParam('content=')).toEqual(['content', '']);
  });

  it('KEY:=JSON is a typed value', () => {
    expect(parseParam('enabled:=true')).toEqual(['enabled', true]);
    expect(parseParam('delay_ms:=500')).toEqual(['delay_ms', 500]);
    expect(parseParam('names:=["a","b"]')).toEqual(['names', ['a', 'b']]);
    expect(parseParam('inputs:={"x":1}')).toEqual(['inputs', { x: 1 }]);
  });

  it('refuses what is not a parameter', () => {
    for (const bad of ['novalue', '=x', ':=1', 'n:=not json', 'two words=x']) expect(() => parseParam(bad)).toThrow(InvalidArgumentError);
  });

  it('--param-file reads the file as a string; a missing file is refused', () => {
    const dir = tempDir('params-');
    writeFileSync(path.join(dir, 's.sh'), '#!/bin/sh\necho hi\n');
    expect(parseParamFile(`script=${path.join(dir, 's.sh')}`)).toEqual(['script', '#!/bin/sh\necho hi\n']);
    expect(() => parseParamFile(`script=${path.join(dir, 'nope')}`)).toThrow(/cannot read .*ENOENT/);
    expect(() => parseParamFile('script')).toThrow(InvalidArgumentError);
  });

  it('a key given twice is refused', () => {
    expect(mergeParams([['a', 1], ['b', 'x']])).toEqual({ a: 1, b: 'x' });
    expect(() => mergeParams([['a', 1], ['a', 2]])).toThrow(/given more than once/);
  });

  it('--wait without a value waits for every attempt, the backoffs and a margin for the daemon grace', () => {
    expect(waitBudgetS({})).toBe(600 + 120);
    expect(waitBudgetS({ timeout: 30, attempts: 3, backoff: 5 })).toBe(90 + 10 + 120);
  });
});
