import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileExecutor } from '../../../../overcloud/executors/file.js';
import { StepError, type ExecContext } from '../../../../overcloud/agent/types.js';
import { tempDir } from '../../../helpers/tmp.js';

function ctx(root: string, params: Record<string, unknown>): ExecContext {
  return {
    step: { id: 's', kind: 'file', params, timeoutMs: 1000, retry: { maxAttempts: 1, backoffMs: 0 } }, attempt: 1,
    signal: new AbortController().signal, log: () => undefined, root, dryRun: false, stateDir: root, mode: 'node',
  };
}

describe('file executor', () => {
  it('writes content and mode atomically, then reports unchanged', async () => {
    const root = tempDir('file-');
    const p = { path: '/etc/x/y.conf', content: 'a=1\n', mode: '0600' };
    expect((await fileExecutor.run(ctx(root, p))).changed).toBe(true);
    const f = path.join(root, 'etc/x/y.conf');
    expect(readFileSync(f, 'utf8')).toBe('a=1\n');
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(f))).toEqual(['y.conf']);
    expect((await fileExecutor.run(ctx(root, p))).changed).toBe(false);
    expect((await fileExecutor.run(ctx(root, { ...p, mode: '0644' }))).changed).toBe(true);
    expect((await fileExecutor.run(ctx(root, { ...p, content: 'a=2\n', mode: '0644' }))).changed).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('a=2\n');
  });

  it('decodes base64 content, removes files with state=absent, and resolves owners under the root', async () => {
    const root = tempDir('file-');
    mkdirSync(path.join(root, 'etc'));
    writeFileSync(path.join(root, 'etc/passwd'), `me:x:${process.getuid!()}:${process.getgid!()}::/:/bin/sh\n`);
    const p = { path: '/bin.dat', content_base64: Buffer.from([0, 1, 2]).toString('base64'), owner: 'me' };
    expect((await fileExecutor.run(ctx(root, p))).changed).toBe(true);
    expect([...readFileSync(path.join(root, 'bin.dat'))]).toEqual([0, 1, 2]);
    expect((await fileExecutor.run(ctx(root, p))).changed).toBe(false);
    expect((await fileExecutor.run(ctx(root, { path: '/bin.dat', state: 'absent' }))).changed).toBe(true);
    expect((await fileExecutor.run(ctx(root, { path: '/bin.dat', state: 'absent' }))).changed).toBe(false);
    await expect(fileExecutor.run(ctx(root, { path: '/z', owner: 'nobody-here' }))).rejects.toBeInstanceOf(StepError);
    await expect(fileExecutor.run(ctx(root, { path: 'relative' }))).rejects.toThrow(/absolute/);
    await expect(fileExecutor.run(ctx(root, { path: '/z', mode: 'rwx' }))).rejects.toMatchObject({ code: 'invalid_params' });
  });
});
