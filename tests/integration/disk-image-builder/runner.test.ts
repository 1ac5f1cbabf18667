/**
 * The runner against small elements of the test's own (no mmdebstrap, no chroot phases): phase order,
 * environment.d, the partitioned disk handed to block-device.d, break points, and failure handling.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildImage, type BuildEvent } from '../../../disk-image-builder/runner.js';
import { parseImageDefinitions } from '../../../disk-image-builder/image-definition.js';
import { AgentBundleMissingError, MissingElementError, PhaseFailedError } from '../../../disk-image-builder/errors.js';

let dir: string;
let elements: string;
let trace: string;

function file(rel: string, text: string, exec = false): void {
  const f = path.join(elements, rel);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
  if (exec) chmodSync(f, 0o755);
}

function tracer(phase: string): string {
  return `#!/bin/bash\necho "${phase} $FAKE_VALUE \${IMAGE_BLOCK_DEVICE:+disk}" >> "$TRACE_FILE"\n`;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dib-runner-'));
  elements = path.join(dir, 'elements');
  trace = path.join(dir, 'trace');
  file('fake-os/element-provides', 'operating-system\n');
  file('fake-os/environment.d/10-fake.bash', 'export FAKE_VALUE=from-env\n');
  file('fake-os/root.d/10-root', '#!/bin/bash\nmkdir -p "$TARGET_ROOT/etc" && echo hello > "$TARGET_ROOT/etc/motd"\n' + tracer('root.d').split('\n')[1] + '\n', true);
  for (const phase of ['extra-data.d', 'post-root.d', 'block-device.d', 'pre-finalise.d', 'cleanup.d']) file(`tracer/${phase}/50-trace`, tracer(phase), true);
  file('tracer/block-device.d/60-check-gpt', '#!/bin/bash\nsfdisk --dump "$IMAGE_BLOCK_DEVICE" | grep -q "label: gpt"\n', true);
  file('tracer/element-deps', 'fake-os\n');
  file('failing/element-deps', 'tracer\n');
  file('failing/post-root.d/60-fail', '#!/bin/bash\necho "about to fail"\nexit 3\n', true);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const def = (elementsList: string[]) =>
  parseImageDefinitions(JSON.stringify([{ imagename: 'tiny', elements: elementsList, outputs: ['raw'], 'esp-size': 32, 'root-extra-size': 8, environment: { TRACE_FILE: trace } }]))[0]!;

describe('buildImage phases', () => {
  it('runs the phases in order with environment.d sourced, hands block-device.d the partitioned disk, and writes the outputs', async () => {
    const events: BuildEvent[] = [];
    const r = await buildImage(def(['tracer']), { outputDir: path.join(dir, 'out'), cacheDir: path.join(dir, 'cache'), elementPaths: [elements], onEvent: (e) => events.push(e) });
    expect(readFileSync(trace, 'utf8').trim().split('\n').map((l) => l.trim())).toEqual([
      'root.d from-env', 'extra-data.d from-env', 'post-root.d from-env', 'block-device.d from-env disk', 'pre-finalise.d from-env disk', 'cleanup.d from-env disk',
    ]);
    expect(r.outputs.map((o) => o.format)).toEqual(['raw']);
    const dump = execFileSync('sfdisk', ['--dump', path.join(dir, 'out', 'tiny.raw')], { encoding: 'utf8' });
    expect(dump).toMatch(/LegacyBIOSBootable/);
    const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8')) as { elements: string[]; provided: Record<string, string>; packages: unknown[] };
    expect(manifest.elements).toEqual(['fake-os', 'tracer']);
    expect(manifest.provided).toEqual({ 'operating-system': 'fake-os' });
    expect(events.filter((e) => e.type === 'step-end').map((e) => (e as { step: string }).step)).toContain('root filesystem (mkfs.ext4 -d)');
    expect(existsSync(path.join(dir, 'out', '.build-tiny'))).toBe(false);
  });

  it('stops at --break before-PHASE with the build environment, then continues', async () => {
    const breaks: { point: string; root: string | undefined; inChroot: boolean }[] = [];
    await buildImage(def(['tracer']), {
      outputDir: path.join(dir, 'out'), cacheDir: path.join(dir, 'cache'), elementPaths: [elements], breakBefore: 'post-root.d',
      onBreak: async (point, env, inChroot) => {
        breaks.push({ point, root: env.TARGET_ROOT, inChroot });
        expect(readFileSync(path.join(env.TARGET_ROOT!, 'etc', 'motd'), 'utf8')).toBe('hello\n');
      },
    });
    expect(breaks).toEqual([{ point: 'before-post-root', root: path.join(dir, 'out', '.build-tiny', 'root'), inChroot: false }]);
  });

  it('names the failing element script, breaks after the error, still runs cleanup.d and keeps the build folder', async () => {
    const breaks: string[] = [];
    const err = await buildImage(def(['failing']), {
      outputDir: path.join(dir, 'out'), cacheDir: path.join(dir, 'cache'), elementPaths: [elements], breakAfterError: true,
      onBreak: async (point) => { breaks.push(point); },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhaseFailedError);
    expect((err as PhaseFailedError).phase).toBe('post-root.d');
    expect((err as PhaseFailedError).script).toBe('failing/60-fail');
    expect((err as PhaseFailedError).message).toMatch(/about to fail/);
    expect(breaks).toEqual(['after-error in post-root.d']);
    expect(readFileSync(trace, 'utf8')).toMatch(/cleanup\.d from-env/);
    expect(existsSync(path.join(dir, 'out', '.build-tiny', 'root', 'etc', 'motd'))).toBe(true);
    expect(readFileSync(path.join(dir, 'out', 'tiny.log'), 'utf8')).toMatch(/==> post-root\.d failing\/60-fail/);
  });

  it('fails before running anything when an image gets the node agent and its bundle is missing', async () => {
    const d = parseImageDefinitions(JSON.stringify([{ imagename: 'tiny', elements: ['tracer', 'undercloud-agent'], outputs: ['raw'], environment: { TRACE_FILE: trace, DIB_AGENT_BUNDLE: path.join(dir, 'missing.cjs') } }]))[0]!;
    const err = await buildImage(d, { outputDir: path.join(dir, 'out'), cacheDir: path.join(dir, 'cache'), elementPaths: [elements] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentBundleMissingError);
    expect((err as Error).message).toMatch(/missing\.cjs does not exist: run "npm run build"/);
    expect(existsSync(trace)).toBe(false);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('refuses a definition naming a missing element before running anything', async () => {
    await expect(buildImage(def(['tracer', 'no-such-element']), { outputDir: path.join(dir, 'out'), elementPaths: [elements] })).rejects.toBeInstanceOf(MissingElementError);
    expect(existsSync(trace)).toBe(false);
  });
});
