import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ElementLibrary, loadElement, parsePackageInstalls } from '../../../disk-image-builder/element.js';
import { InvalidElementError } from '../../../disk-image-builder/errors.js';
import { DEFAULT_ELEMENTS_DIR, resolveElements } from '../../../disk-image-builder/runner.js';
import { parseImageDefinitions } from '../../../disk-image-builder/image-definition.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dib-el-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function script(file: string, mode = 0o755): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, mode);
}

describe('loadElement', () => {
  it('reads deps, provides, phase scripts in order, environment and packages', () => {
    const el = path.join(dir, 'web');
    script(path.join(el, 'install.d', '50-b'));
    script(path.join(el, 'install.d', '10-a'));
    script(path.join(el, 'environment.d', '10-env.bash'));
    writeFileSync(path.join(el, 'element-deps'), 'debian\n# comment\n\nssh\n');
    writeFileSync(path.join(el, 'element-provides'), 'webserver\n');
    writeFileSync(path.join(el, 'package-installs.yaml'), 'nginx:\ncurl:\n  phase: pre-install.d\nnano:\n  uninstall: true\n');
    const e = loadElement(el);
    expect(e.deps).toEqual(['debian', 'ssh']);
    expect(e.provides).toEqual(['webserver']);
    expect(e.phases['install.d']!.map((s) => s.name)).toEqual(['10-a', '50-b']);
    expect(e.environment).toEqual([path.join(el, 'environment.d', '10-env.bash')]);
    expect(e.packages).toEqual([
      { name: 'nginx', phase: 'install.d', uninstall: false },
      { name: 'curl', phase: 'pre-install.d', uninstall: false },
      { name: 'nano', phase: 'install.d', uninstall: true },
    ]);
  });

  it('refuses scripts that are not executable or not NN-name', () => {
    script(path.join(dir, 'a', 'install.d', '10-x'), 0o644);
    expect(() => loadElement(path.join(dir, 'a'))).toThrow(InvalidElementError);
    script(path.join(dir, 'b', 'install.d', 'x'));
    expect(() => loadElement(path.join(dir, 'b'))).toThrow(/NN-name/);
  });

  it('finds elements in the first path that has them', () => {
    mkdirSync(path.join(dir, 'p1', 'a'), { recursive: true });
    mkdirSync(path.join(dir, 'p2', 'a'), { recursive: true });
    const lib = new ElementLibrary([path.join(dir, 'p1'), path.join(dir, 'p2')]);
    expect(lib.find('a')!.dir).toBe(path.join(dir, 'p1', 'a'));
    expect(lib.find('zzz')).toBeUndefined();
  });
});

describe('parsePackageInstalls', () => {
  it('accepts a list and an empty file, rejects bad names and phases', () => {
    expect(parsePackageInstalls('e', '- a1\n- b2\n').map((p) => p.name)).toEqual(['a1', 'b2']);
    expect(parsePackageInstalls('e', '')).toEqual([]);
    expect(() => parsePackageInstalls('e', '"bad name":\n')).toThrow(InvalidElementError);
    expect(() => parsePackageInstalls('e', 'pkg:\n  phase: nowhere.d\n')).toThrow(/unknown phase/);
  });
});

describe('the bundled elements', () => {
  it('resolve for the golden image and the ramdisk, with debian providing the operating system', () => {
    for (const def of parseImageDefinitions('- imagename: g\n  elements: [overcloud-base]\n- imagename: r\n  ramdisk: true\n  elements: [deploy-ramdisk]\n')) {
      const { elements, provided } = resolveElements(def, [DEFAULT_ELEMENTS_DIR]);
      expect(provided['operating-system']).toBe('debian');
      expect(elements[0]!.name).toBe('debian');
      expect(elements.map((e) => e.name)).toContain('undercloud-agent');
    }
  });
});
