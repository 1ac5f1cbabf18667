/**
 * The V8 flags `undercloud image write` sets at run time (nbd/process-tuning.ts) must still exist and still
 * act when set after start-up: a V8 upgrade could rename them (V8 then prints "unrecognized flag") or read
 * them only at start-up (then they silently do nothing and the CLI's memory grows back). Checked in a fresh
 * process, which sets them the same way.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WRITER_PROCESS_V8_FLAGS } from '../../../undercloud/nbd/process-tuning.js';

const run = promisify(execFile);

// Sets the flags at run time, then: a hot function is not optimized (status bit 16: by TurboFan, or by
// Maglev where Node enables it), and the young generation does not grow while objects keep surviving.
const probe = (flags: readonly string[]) => `
  const v8 = require('node:v8');
  for (const f of ${JSON.stringify(flags)}) v8.setFlagsFromString(f);
  const status = new Function('f', 'return %GetOptimizationStatus(f)');
  function hot(a) { return (a * 31 + 7) % 1000003; }
  let x = 0;
  for (let i = 0; i < 3e6; i++) x = hot(x);
  const keep = [];
  for (let i = 0; i < 3e5; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 20000) keep.splice(0, 10000); }
  const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
  console.log(JSON.stringify({ optimized: (status(hot) & 16) !== 0, newSpaceMiB: newSpace / 1048576, x }));`;

async function measure(flags: readonly string[]): Promise<{ optimized: boolean; newSpaceMiB: number; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, ['--allow-natives-syntax', '-e', probe(flags)]);
  return { ...(JSON.parse(stdout) as { optimized: boolean; newSpaceMiB: number }), stderr };
}

describe('writer process tuning', () => {
  it('sets flags this Node knows, which take effect when set at run time', async () => {
    const [tuned, plain] = await Promise.all([measure(WRITER_PROCESS_V8_FLAGS), measure([])]);
    expect(tuned.stderr).toBe('');
    // The control shows the probe can see both effects on this Node.
    expect(plain.optimized).toBe(true);
    expect(plain.newSpaceMiB).toBeGreaterThan(2);
    expect(tuned.optimized).toBe(false);
    expect(tuned.newSpaceMiB).toBeLessThanOrEqual(2);
  });
});
