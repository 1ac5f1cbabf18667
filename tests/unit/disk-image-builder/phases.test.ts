import { describe, expect, it } from 'vitest';
import { orderPhaseScripts, PHASE_NAMES, PHASES, phaseFromBreakName, SCRIPT_NAME } from '../../../disk-image-builder/phases.js';

describe('phase table', () => {
  it('lists the phases in diskimage-builder order', () => {
    expect(PHASE_NAMES).toEqual(['root.d', 'extra-data.d', 'pre-install.d', 'install.d', 'post-install.d', 'post-root.d', 'block-device.d', 'pre-finalise.d', 'finalise.d', 'cleanup.d']);
  });

  it('runs the install phases and finalise in the image root, the others outside', () => {
    expect(PHASES.filter((p) => p.inChroot).map((p) => p.name)).toEqual(['pre-install.d', 'install.d', 'post-install.d', 'finalise.d']);
  });

  it('maps break names with or without .d', () => {
    expect(phaseFromBreakName('install')).toBe('install.d');
    expect(phaseFromBreakName('pre-finalise.d')).toBe('pre-finalise.d');
    expect(phaseFromBreakName('nonsense')).toBeUndefined();
  });

  it('accepts only NN-name script names', () => {
    expect(SCRIPT_NAME.test('50-bootloader')).toBe(true);
    expect(SCRIPT_NAME.test('5-x')).toBe(false);
    expect(SCRIPT_NAME.test('bootloader')).toBe(false);
  });
});

describe('orderPhaseScripts', () => {
  it('sorts scripts by name across elements', () => {
    const r = orderPhaseScripts([
      { element: 'a', scripts: [{ name: '50-a', path: '/a/50-a' }, { name: '10-first', path: '/a/10-first' }] },
      { element: 'b', scripts: [{ name: '20-b', path: '/b/20-b' }] },
    ]);
    expect(r.map((s) => `${s.element}/${s.name}`)).toEqual(['a/10-first', 'b/20-b', 'a/50-a']);
  });

  it('lets a later element override a same-named script', () => {
    const r = orderPhaseScripts([
      { element: 'base', scripts: [{ name: '10-x', path: '/base/10-x' }] },
      { element: 'site', scripts: [{ name: '10-x', path: '/site/10-x' }] },
    ]);
    expect(r).toEqual([{ name: '10-x', element: 'site', path: '/site/10-x' }]);
  });
});
