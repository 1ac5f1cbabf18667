import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskWipeExecutor } from '../../../../overcloud/executors/disk.js';
import type { ExecContext } from '../../../../overcloud/agent/types.js';
import { fakeMachine } from '../../../fixtures/agents/fake-tools.js';
import { tempDir } from '../../../helpers/tmp.js';

const ctx = (root: string, dryRun: boolean): ExecContext => ({
  step: { id: 's', kind: 'disk_wipe', params: { device: '/dev/vdb' }, timeoutMs: 1000, retry: { maxAttempts: 1, backoffMs: 0 } }, attempt: 1,
  signal: new AbortController().signal, log: () => undefined, root, dryRun, stateDir: root, mode: 'ramdisk',
});

describe('disk_wipe', () => {
  it('with --dry-run changes nothing; then wipes the first and last MiB once', async () => {
    const root = tempDir('disk-');
    fakeMachine(root);
    const before = readFileSync(path.join(root, 'dev/vdb'));
    expect(await diskWipeExecutor.run(ctx(root, true))).toMatchObject({ changed: false, outputs: { dry_run: true } });
    expect(readFileSync(path.join(root, 'dev/vdb')).equals(before)).toBe(true);
    expect((await diskWipeExecutor.run(ctx(root, false))).changed).toBe(true);
    expect(readFileSync(path.join(root, 'dev/vdb')).every((b) => b === 0)).toBe(true);
    expect((await diskWipeExecutor.run(ctx(root, false))).changed).toBe(false);
  });
});
