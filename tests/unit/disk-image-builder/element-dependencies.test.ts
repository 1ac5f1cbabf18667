import { describe, expect, it } from 'vitest';
import { expandElements, type ElementInfo } from '../../../disk-image-builder/element-dependencies.js';
import { AlreadyProvidedError, ElementCycleError, MissingElementError } from '../../../disk-image-builder/errors.js';

function lib(defs: Record<string, { deps?: string[]; provides?: string[] }>): (n: string) => ElementInfo | undefined {
  return (n) => (defs[n] ? { name: n, deps: defs[n]!.deps ?? [], provides: defs[n]!.provides ?? [] } : undefined);
}

describe('expandElements', () => {
  it('puts dependencies before the elements that need them, keeping request order for ties', () => {
    const l = lib({ base: { deps: ['debian', 'kernel', 'ssh'] }, debian: { provides: ['operating-system'] }, kernel: { deps: ['operating-system'] }, ssh: {} });
    const r = expandElements(['base'], l);
    expect(r.order).toEqual(['debian', 'kernel', 'ssh', 'base']);
    expect(r.provided).toEqual({ 'operating-system': 'debian' });
  });

  it('includes each element once even when many depend on it', () => {
    const l = lib({ a: { deps: ['c'] }, b: { deps: ['c'] }, c: {} });
    expect(expandElements(['a', 'b'], l).order).toEqual(['c', 'a', 'b']);
  });

  it('resolves a dependency on a provided name to its provider', () => {
    const l = lib({ agent: { deps: ['operating-system'] }, debian: { provides: ['operating-system'] } });
    expect(expandElements(['agent', 'debian'], l).order).toEqual(['debian', 'agent']);
  });

  it('names the chain that led to a missing element', () => {
    const l = lib({ top: { deps: ['mid'] }, mid: { deps: ['nowhere'] } });
    try {
      expandElements(['top'], l, ['/elements']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MissingElementError);
      const e = err as MissingElementError;
      expect(e.code).toBe('DIB_ELEMENT_MISSING');
      expect(e.element).toBe('nowhere');
      expect(e.chain).toEqual(['top', 'mid']);
    }
  });

  it('reports a missing top-level element with an empty chain', () => {
    expect(() => expandElements(['ghost'], lib({}))).toThrow(MissingElementError);
  });

  it('reports a cycle with the full loop', () => {
    const l = lib({ a: { deps: ['b'] }, b: { deps: ['c'] }, c: { deps: ['a'] } });
    try {
      expandElements(['a'], l);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ElementCycleError);
      expect((err as ElementCycleError).chain).toEqual(['a', 'b', 'c', 'a']);
      expect((err as ElementCycleError).code).toBe('DIB_ELEMENT_CYCLE');
    }
  });

  it('reports a cycle through a provided name', () => {
    const l = lib({ debian: { provides: ['operating-system'], deps: ['x'] }, x: { deps: ['operating-system'] } });
    expect(() => expandElements(['debian'], l)).toThrow(ElementCycleError);
  });

  it('refuses two providers of the same thing', () => {
    const l = lib({ debian: { provides: ['operating-system'] }, ubuntu: { provides: ['operating-system'] } });
    try {
      expandElements(['debian', 'ubuntu'], l);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AlreadyProvidedError);
      expect((err as AlreadyProvidedError).by).toEqual(['debian', 'ubuntu']);
    }
  });

  it('lets an element list what it provides among its own deps', () => {
    const l = lib({ debian: { provides: ['operating-system'], deps: ['operating-system'] } });
    expect(expandElements(['debian'], l).order).toEqual(['debian']);
  });
});
