import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeStackRc } from '../../../undercloud/cli/commands/stack-rc.js';
import { tempDir } from '../../helpers/tmp.js';

describe('writeStackRc (overcloud deploy leaves STACKrc behind, as TripleO leaves overcloudrc)', () => {
  it('writes the overcloudrc output to DIR/STACKrc, 0600 even over an existing file', () => {
    const dir = tempDir('rc-');
    writeFileSync(path.join(dir, 'labrc'), 'old', { mode: 0o644 });
    const file = writeStackRc(dir, 'lab', { overcloudrc: 'export OS_PASSWORD=s3cret', other: 1 });
    expect(file).toBe(path.join(dir, 'labrc'));
    expect(readFileSync(file!, 'utf8')).toBe('export OS_PASSWORD=s3cret\n');
    expect(statSync(file!).mode & 0o777).toBe(0o600);
  });

  it('writes nothing when the templates have no overcloudrc output', () => {
    const dir = tempDir('rc-');
    expect(writeStackRc(dir, 'overcloud', { endpoints: {} })).toBeUndefined();
    expect(writeStackRc(dir, 'overcloud', null)).toBeUndefined();
  });
});
