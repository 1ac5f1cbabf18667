/** `undercloud image write IMAGE URI` as scripts use it: JSON lines, plain progress, exit codes. Needs `npm run build`. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNbdkit, type RunningServer } from '../../../bench/nbd/servers.js';
import { UNDERCLOUD_BIN, runCli } from '../../helpers/daemon.js';
import { MiB, makeRawImage, qemuCompare } from './images.js';

let dir: string;
let raw: string;
let config: string;
const running: RunningServer[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbd-cli-'));
  raw = makeRawImage(path.join(dir, 'image.raw'));
  config = path.join(dir, 'undercloud.conf'); // not read: image write needs no daemon
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('undercloud image write', () => {
  it('--format json prints progress and result as JSON lines and exits 0', async () => {
    const t = await startNbdkit(dir, 'cli', ['memory', `${16 * MiB}`]);
    running.push(t);
    const r = await runCli(UNDERCLOUD_BIN, ['--format', 'json', 'image', 'write', raw, t.uri], config);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ event: 'result', verified: true, bytes_written: 8 * MiB, format: 'raw', digest_algorithm: 'sha256-tree-1m' });
    const progress = lines.filter((l) => l.event === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toHaveProperty('rate');
    expect(progress[0]).toHaveProperty('eta');
    expect(qemuCompare(raw, 'raw', t.uri, 'raw').ok).toBe(true);
  });

  it('table output: plain progress lines on stderr when not a terminal, fields on stdout', async () => {
    const t = await startNbdkit(dir, 'cli2', ['memory', `${16 * MiB}`]);
    running.push(t);
    const r = await runCli(UNDERCLOUD_BIN, ['image', 'write', '--no-verify', raw, t.uri], config);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^write 100% 8\/8 MB \d+ MB\/s eta/m);
    expect(r.stdout).toMatch(/verified\s+false/);
  });

  it('exit codes: 4 for a bad URI, 7 for an unreachable server, 4 for an image too large', async () => {
    expect((await runCli(UNDERCLOUD_BIN, ['image', 'write', raw, 'http://x/y'], config)).code).toBe(4);
    const down = await runCli(UNDERCLOUD_BIN, ['image', 'write', '--timeout', '2', raw, `nbd+unix:///?socket=${dir}/nothing.sock`], config);
    expect(down.code).toBe(7);
    expect(down.stderr).toMatch(/cannot connect/);
    const small = await startNbdkit(dir, 'small', ['memory', `${MiB}`]);
    running.push(small);
    const big = await runCli(UNDERCLOUD_BIN, ['image', 'write', raw, small.uri], config);
    expect(big.code).toBe(4);
    expect(big.stderr).toMatch(/larger than the target export/);
  });
});
