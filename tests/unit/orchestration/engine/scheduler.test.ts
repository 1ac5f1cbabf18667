import { describe, expect, it } from 'vitest';
import { Graph } from '../../../../undercloud/orchestration/graph/graph.js';
import { runGraph, Semaphore } from '../../../../undercloud/orchestration/engine/scheduler.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('runGraph', () => {
  it('starts a node only after everything it requires, and runs independent nodes together', async () => {
    const g = Graph.fromRequirements([['a', []], ['b', []], ['c', ['a', 'b']]]);
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    await runGraph(g, async (n) => {
      running++;
      peak = Math.max(peak, running);
      log.push(`start ${n}`);
      await tick();
      log.push(`end ${n}`);
      running--;
    }, new AbortController().signal);
    expect(peak).toBe(2);
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end a'));
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end b'));
  });

  it('after a failure starts nothing new, waits for running work, and throws the first error', async () => {
    const g = Graph.fromRequirements([['bad', []], ['slow', []], ['after', ['bad']]]);
    const done: string[] = [];
    await expect(runGraph(g, async (n) => {
      if (n === 'bad') throw new Error('boom');
      await tick(20);
      done.push(n);
    }, new AbortController().signal)).rejects.toThrow('boom');
    expect(done).toEqual(['slow']);
  });

  it('rejects with the abort reason when cancelled', async () => {
    const g = Graph.fromRequirements([['a', []], ['b', ['a']]]);
    const c = new AbortController();
    const p = runGraph(g, async () => {
      c.abort(new Error('cancelled by the operator'));
      await tick();
    }, c.signal);
    await expect(p).rejects.toThrow('cancelled by the operator');
  });
});

describe('Semaphore', () => {
  it('caps concurrency', async () => {
    const s = new Semaphore(2);
    let running = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 6 }, () => s.with(async () => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
    })));
    expect(peak).toBe(2);
  });

  it('a waiter whose signal aborts leaves the queue', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const c = new AbortController();
    const waiting = s.acquire(c.signal);
    c.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    s.release();
    await s.acquire();
  });

  it('thousands of waiters: aborted ones never take a slot, and the rest are served in order', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const c = new AbortController();
    const order: number[] = [];
    const dropped = Array.from({ length: 3000 }, () => s.acquire(c.signal).catch(() => 'aborted'));
    const kept = Array.from({ length: 3000 }, (_, i) => s.acquire().then(() => {
      order.push(i);
      s.release();
    }));
    c.abort(new Error('gone'));
    expect(new Set(await Promise.all(dropped))).toEqual(new Set(['aborted']));
    s.release();
    await Promise.all(kept);
    expect(order).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    // One slot, free again.
    await s.acquire();
    let second = false;
    void s.acquire().then(() => (second = true));
    await tick();
    expect(second).toBe(false);
  });
});

