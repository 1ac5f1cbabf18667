import { describe, expect, it } from 'vitest';
import { memoryConductor, fakeNode } from './helpers.js';

describe('store/nodes', () => {
  it('creates nodes with ports, finds them by id, name and MAC, and cascades deletes', () => {
    const { conductor } = memoryConductor();
    const repo = conductor.nodes;
    const n = repo.create(fakeNode('n0', '52:54:00:00:00:01'));
    expect(n.provisionState).toBe('enroll');
    expect(repo.get(n.id)?.name).toBe('n0');
    expect(repo.get('n0')?.id).toBe(n.id);
    expect(repo.portByAddress('52:54:00:00:00:01')?.nodeId).toBe(n.id);
    expect(() => repo.create(fakeNode('n1', '52:54:00:00:00:01'))).toThrow(/UNIQUE/);
    expect(repo.delete(n.id)).toBe(true);
    expect(repo.allPorts()).toEqual([]);
  });

  it('reserves with one conditional update: a second reservation fails, release needs the same tag', () => {
    const { conductor } = memoryConductor();
    const repo = conductor.nodes;
    const n = repo.create(fakeNode('n0', '52:54:00:00:00:01'));
    expect(repo.reserve(n.id, 'a')).toBe(true);
    expect(repo.reserve(n.id, 'b')).toBe(false);
    expect(repo.release(n.id, 'b')).toBe(false);
    expect(repo.get(n.id)?.reservation).toBe('a');
    expect(repo.release(n.id, 'a')).toBe(true);
    expect(repo.reserve(n.id, 'b')).toBe(true);
    expect(repo.clearReservations('b')).toEqual(['n0']);
    expect(repo.get(n.id)?.reservation).toBeUndefined();
  });
});
