import { describe, expect, it } from 'vitest';
import { InflightWindow } from '../../../undercloud/nbd/window.js';

describe('InflightWindow', () => {
  it('never lets more than its byte budget be in flight, and drains', async () => {
    const w = new InflightWindow(10);
    let peak = 0;
    const resolvers: (() => void)[] = [];
    const started: Promise<void>[] = [];
    for (let i = 0; i < 6; i++) {
      started.push(w.run(4, () => new Promise<void>((r) => resolvers.push(r))));
      peak = Math.max(peak, w.bytes);
      if (i >= 1) {
        // let the test release one so the loop can go on
        await Promise.resolve();
        resolvers.shift()?.();
        await started[i];
      }
    }
    expect(peak).toBeLessThanOrEqual(10);
    for (const r of resolvers) r();
    await w.drain();
    expect(w.bytes).toBe(0);
  });

  it('keeps the first failure and throws it from run and drain', async () => {
    const w = new InflightWindow(100);
    await w.run(1, () => Promise.reject(new Error('EIO')));
    await w.run(1, async () => undefined).catch(() => undefined);
    await expect(w.drain()).rejects.toThrow('EIO');
    await expect(w.run(1, async () => undefined)).rejects.toThrow('EIO');
  });

  it('admits one oversized item when nothing is in flight', async () => {
    const w = new InflightWindow(4);
    await w.run(100, async () => undefined);
    await w.drain();
  });
});
