import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cachePaths, offlineMissing, rootfsCacheKey } from '../../../disk-image-builder/cache.js';
import { mirrorFromSources } from '../../../disk-image-builder/host-mirror.js';
import { fstab, planLayout, sfdiskScript } from '../../../disk-image-builder/block-device.js';

describe('rootfsCacheKey', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dib-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const s = path.join(dir, '10-bootstrap');
  writeFileSync(s, 'v1');
  const base = { mirror: 'http://m/debian', release: 'bookworm', variant: 'minbase', packages: ['b', 'a'], bootstrapScripts: [s] };

  it('ignores package order, duplicates and a trailing slash on the mirror', () => {
    expect(rootfsCacheKey(base)).toBe(rootfsCacheKey({ ...base, packages: ['a', 'b', 'a'], mirror: 'http://m/debian/' }));
  });

  it('changes with the release, the mirror, the packages and the bootstrap script', () => {
    const k = rootfsCacheKey(base);
    expect(rootfsCacheKey({ ...base, release: 'trixie' })).not.toBe(k);
    expect(rootfsCacheKey({ ...base, mirror: 'http://other/debian' })).not.toBe(k);
    expect(rootfsCacheKey({ ...base, packages: ['a', 'b', 'c'] })).not.toBe(k);
    writeFileSync(s, 'v2');
    expect(rootfsCacheKey(base)).not.toBe(k);
  });

  it('names what an offline build lacks', () => {
    const p = cachePaths(path.join(dir, 'cache'), 'abc');
    const missing = offlineMissing(p, base);
    expect(missing[0]).toMatch(/base root filesystem for bookworm from http:\/\/m\/debian with packages a,b/);
    expect(missing[1]).toMatch(/apt archives of b, a/);
  });
});

describe('mirrorFromSources', () => {
  it('takes the first non-security deb stanza', () => {
    const text = 'Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\n# comment\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n';
    expect(mirrorFromSources(text)).toBe('http://mirror.example/debian');
    expect(mirrorFromSources('Types: deb-src\nURIs: http://x\nSuites: bookworm\n')).toBeUndefined();
  });
});

describe('disk layout', () => {
  it('places the ESP at 1 MiB and the root after it, growing the root to a requested image size', () => {
    const l = planLayout({ espSizeMiB: 128, rootSizeMiB: 700, imageSizeMiB: 2048, rootLabel: 'cloudimg-rootfs' });
    expect(l.totalMiB).toBe(2048);
    expect(l.esp.startMiB).toBe(1);
    expect(l.root.startMiB).toBe(129);
    expect(l.root.sizeMiB).toBe(2048 - 2 - 128);
    const script = sfdiskScript(l);
    expect(script).toContain('label: gpt');
    expect(script).toContain('start=2048, size=262144, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
    expect(script).toContain('attrs="LegacyBIOSBootable"');
    expect(fstab(l)).toContain('LABEL=cloudimg-rootfs / ext4');
  });
});
