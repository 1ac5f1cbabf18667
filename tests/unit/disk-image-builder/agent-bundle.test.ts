import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AGENT_ELEMENT, resolveAgentBundle } from '../../../disk-image-builder/agent-bundle.js';
import { AgentBundleMissingError, InvalidBuildSettingError } from '../../../disk-image-builder/errors.js';
import { DEFAULT_ZSTD_LEVEL, zstdLevel } from '../../../disk-image-builder/ramdisk.js';
import { DEFAULT_AGENT_BUNDLE, DEFAULT_ELEMENTS_DIR } from '../../../disk-image-builder/runner.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dib-agent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bundle = path.join(dir, 'undercloud-agent.cjs');
writeFileSync(bundle, '#!/usr/bin/env node\n');
const missing = path.join(dir, 'nope.cjs');

describe('resolveAgentBundle', () => {
  it('is not needed when no element installs the agent', () => {
    expect(resolveAgentBundle(['debian', 'kernel'], undefined, missing)).toBeUndefined();
  });

  it('defaults to the repository build product, and takes DIB_AGENT_BUNDLE (relative to the working folder) over it', () => {
    expect(resolveAgentBundle([AGENT_ELEMENT], undefined, bundle)).toBe(bundle);
    expect(resolveAgentBundle([AGENT_ELEMENT], 'undercloud-agent.cjs', missing, dir)).toBe(bundle);
    expect(resolveAgentBundle([AGENT_ELEMENT], bundle, missing)).toBe(bundle);
  });

  it('fails early with what to do when the bundle is missing or is a folder', () => {
    const err = (() => { try { resolveAgentBundle([AGENT_ELEMENT], undefined, missing); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(AgentBundleMissingError);
    expect((err as AgentBundleMissingError).code).toBe('DIB_AGENT_BUNDLE_MISSING');
    expect((err as Error).message).toMatch(/nope\.cjs \(the default when DIB_AGENT_BUNDLE is not set\) does not exist: run "npm run build"/);
    expect(() => resolveAgentBundle([AGENT_ELEMENT], missing, bundle)).toThrow(/DIB_AGENT_BUNDLE=.*nope\.cjs does not exist.*set DIB_AGENT_BUNDLE to the agent's \.cjs file/);
    mkdirSync(path.join(dir, 'folder'));
    expect(() => resolveAgentBundle([AGENT_ELEMENT], path.join(dir, 'folder'), bundle)).toThrow(/is not a file: DIB_AGENT_BUNDLE names the agent bundle itself/);
  });

  it('defaults to dist/agent/undercloud-agent.cjs of the repository the bundled elements are in', () => {
    expect(DEFAULT_AGENT_BUNDLE).toBe(path.join(DEFAULT_ELEMENTS_DIR, '..', '..', 'dist', 'agent', 'undercloud-agent.cjs'));
  });
});

describe('the bundled elements and the agent contract', () => {
  const el = (rel: string) => readFileSync(path.join(DEFAULT_ELEMENTS_DIR, rel), 'utf8');

  it('install the real bundle, not a stub', () => {
    expect(existsSync(path.join(DEFAULT_ELEMENTS_DIR, 'undercloud-agent', 'files', 'agent-stub.mjs'))).toBe(false);
    expect(el('undercloud-agent/extra-data.d/20-agent-bundle')).toMatch(/install -D -m 0755 "\$DIB_AGENT_BUNDLE" "\$TARGET_ROOT\/opt\/undercloud-agent\/undercloud-agent\.cjs"/);
  });

  it('start the agent from agent.conf on an installed node', () => {
    const unit = el('undercloud-agent/files/undercloud-agent.service');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/undercloud-agent\/undercloud-agent\.cjs --config \/etc\/undercloud-agent\/agent\.conf$/m);
    expect(unit).toMatch(/^ConditionPathExists=\/etc\/undercloud-agent\/agent\.conf$/m);
    expect(unit).toMatch(/^After=.*undercloud-firstboot\.service/m);
    expect(unit).toMatch(/^After=.*network-online\.target/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^StandardError=journal\+console$/m);
  });

  it('start the agent in ramdisk mode from the kernel command line in the ramdisk', () => {
    expect(el('deploy-ramdisk/files/init')).toMatch(/node \/opt\/undercloud-agent\/undercloud-agent\.cjs --mode ramdisk --cmdline \/proc\/cmdline --state-dir "\$state" --ca-file "\$state\/ca\.crt"/);
    expect(el('deploy-ramdisk/files/init')).toMatch(/^state=\/run\/undercloud-agent$/m);
  });

  it('grow the root with sfdisk, not growpart (no python in the image)', () => {
    expect(el('config-drive/package-installs.yaml')).not.toMatch(/cloud-guest-utils/);
    const firstboot = el('config-drive/files/firstboot.mjs');
    expect(firstboot).not.toMatch(/sh\('growpart'/);
    expect(firstboot).toMatch(/sh\('sfdisk', \['--no-reread', '--no-tell-kernel', '-N'/);
    expect(firstboot).toMatch(/'--relocate', 'gpt-bak-std'/);
  });
});

describe('zstdLevel', () => {
  it('defaults, accepts 1-19 and refuses anything else', () => {
    expect(zstdLevel(undefined)).toBe(DEFAULT_ZSTD_LEVEL);
    expect(zstdLevel('')).toBe(DEFAULT_ZSTD_LEVEL);
    expect(zstdLevel('19')).toBe(19);
    for (const bad of ['0', '20', '3.5', 'max']) expect(() => zstdLevel(bad)).toThrow(InvalidBuildSettingError);
  });
});
