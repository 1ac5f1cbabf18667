import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../undercloud/concurrency/semaphore.js';

describe('Semaphore', () => {
  it('lets at most N run and queues the rest in order', async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    await s.acquire();
    const order: number[] = [];
    const third = s.acquire().then((release) => {
      order.push(3);
      return release;
    });
    const fourth = s.acquire().then(() => order.push(4));
    expect(s.queued).toBe(2);
    expect(s.inUse).toBe(2);
    r1();
    const r3 = await third;
    r3();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(s.inUse).toBe(2);
  });

  it('a release function releases once, however often it is called', async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    release();
    release();
    expect(s.inUse).toBe(0);
    await s.acquire();
    expect(s.inUse).toBe(1);
  });

  it('an aborted waiter leaves the queue and rejects with the reason', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const c = new AbortController();
    const p = s.acquire(c.signal);
    c.abort(new Error('gone'));
    await expect(p).rejects.toThrow('gone');
    expect(s.queued).toBe(0);
  });

  it('refuses a size below 1', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
