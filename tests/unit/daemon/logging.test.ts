import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, maskSecrets, redactValue } from '../../../undercloud/daemon/logging.js';
import { tempDir } from '../../helpers/tmp.js';

describe('logging', () => {
  it('masks fields that name secrets, at any depth', () => {
    expect(maskSecrets({ pm_user: 'admin', pm_password: 'hunter22', nested: { token: 'abc', list: [{ secret: 's' }] } })).toEqual({
      pm_user: 'admin', pm_password: '******', nested: { token: '******', list: [{ secret: '******' }] },
    });
  });

  it('masks registered secret values inside other strings', () => {
    redactValue('S3cr3t-BMC-pass');
    expect(maskSecrets('ipmitool -P S3cr3t-BMC-pass power status')).toBe('ipmitool -P ****** power status');
  });

  it('never writes a secret to the JSON log file', async () => {
    const file = path.join(tempDir('uc-log-'), 'uc.log');
    const log = createLogger({ file, console: false });
    redactValue('very-secret-value');
    log.info('power on failed: very-secret-value rejected', { password: 'p4ssw0rd!', node: 'n1', cmd: ['x', 'very-secret-value'] });
    await new Promise<void>((resolve) => { log.on('finish', resolve); log.end(); });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('very-secret-value');
    expect(text).not.toContain('p4ssw0rd!');
    const line = JSON.parse(text.trim().split('\n')[0]!);
    expect(line).toMatchObject({ level: 'info', node: 'n1', password: '******' });
    expect(line.message).toBe('power on failed: ****** rejected');
  });
});
