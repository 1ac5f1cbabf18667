import { describe, expect, it } from 'vitest';
import { Graph } from '../../../../undercloud/orchestration/graph/graph.js';
import { CircularDependencyError } from '../../../../undercloud/orchestration/graph/errors.js';

describe('Graph', () => {
  it('sorts every node after what it requires, deterministically', () => {
    const g = Graph.fromRequirements([
      ['app', ['db', 'net']],
      ['db', ['net']],
      ['net', []],
      ['log', []],
    ]);
    expect(g.topologicalSort()).toEqual(['net', 'log', 'db', 'app']);
    expect(g.leaves()).toEqual(['net', 'log']);
    expect(g.roots().sort()).toEqual(['app', 'log']);
  });

  it('ignores requirements that are not nodes and self-references', () => {
    const g = Graph.fromRequirements([['a', ['a', 'missing']]]);
    expect(g.requires('a').size).toBe(0);
    expect(g.topologicalSort()).toEqual(['a']);
  });

  it('reverse() gives the deletion order', () => {
    const g = Graph.fromRequirements([['server', []], ['deployment', ['server', 'config']], ['config', []]]);
    const order = g.reverse().topologicalSort();
    expect(order.indexOf('deployment')).toBeLessThan(order.indexOf('server'));
    expect(order.indexOf('deployment')).toBeLessThan(order.indexOf('config'));
  });

  it('throws CircularDependencyError carrying the cycle path', () => {
    const g = Graph.fromRequirements([['ok', []], ['a', ['b', 'ok']], ['b', ['c']], ['c', ['a']]]);
    let err: unknown;
    try {
      g.topologicalSort();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CircularDependencyError);
    const cycle = (err as CircularDependencyError).cycle;
    expect(cycle[0]).toBe(cycle.at(-1));
    expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']));
    expect((err as CircularDependencyError).code).toBe('CIRCULAR_DEPENDENCY');
    expect((err as Error).message).toMatch(/a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c/);
  });

  it('subgraph keeps only edges among the chosen nodes', () => {
    const g = Graph.fromRequirements([['a', ['b']], ['b', ['c']], ['c', []]]);
    const s = g.subgraph(['a', 'c']);
    expect(s.nodes.sort()).toEqual(['a', 'c']);
    expect(s.requires('a').size).toBe(0);
  });
});
