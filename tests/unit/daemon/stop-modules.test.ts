import { describe, expect, it } from 'vitest';
import { stopModules } from '../../../undercloud/daemon/stop-modules.js';

function recorder() {
  const warnings: { message: string; fields: Record<string, unknown> }[] = [];
  return { warnings, log: { warn: (message: string, fields: Record<string, unknown>) => warnings.push({ message, fields }) } };
}

describe('stopModules', () => {
  it('stops the modules in reverse start order', async () => {
    const order: string[] = [];
    const mod = (name: string) => ({ name, stop: async () => void order.push(name) });
    const { log, warnings } = recorder();
    const r = await stopModules([mod('agents'), mod('images'), mod('baremetal'), { name: 'no-stop' }], 1000, log);
    expect(order).toEqual(['baremetal', 'images', 'agents']);
    expect(r).toEqual({ late: [], failed: [] });
    expect(warnings).toEqual([]);
  });

  it('several stuck modules share one deadline, and the ones after them are still stopped', async () => {
    const stopped: string[] = [];
    const never = (name: string) => ({ name, stop: () => new Promise<void>(() => stopped.push(name)) });
    const { log, warnings } = recorder();
    const start = Date.now();
    // Stopped in reverse: stuck-2, stuck-1 (the deadline passes while it waits), then first.
    const r = await stopModules([{ name: 'first', stop: () => void stopped.push('first') }, never('stuck-1'), never('stuck-2')], 300, log);
    const took = Date.now() - start;
    expect(stopped).toEqual(['stuck-2', 'stuck-1', 'first']);
    expect(r).toEqual({ late: ['stuck-2', 'stuck-1'], failed: [] });
    // One budget for all (not 300 ms each), plus the short wait a module reached after the deadline gets.
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(300 + 100 + 150);
    expect(warnings.map((w) => w.fields.module)).toEqual(['stuck-2', 'stuck-1']);
  });

  it('a stop that throws or rejects is logged and the rest go on', async () => {
    const stopped: string[] = [];
    const { log, warnings } = recorder();
    const r = await stopModules([
      { name: 'a', stop: () => void stopped.push('a') },
      { name: 'rejects', stop: () => Promise.reject(new Error('socket already closed')) },
      { name: 'throws', stop: () => { throw new Error('no child'); } },
    ], 1000, log);
    expect(stopped).toEqual(['a']);
    expect(r).toEqual({ late: [], failed: ['throws', 'rejects'] });
    expect(warnings).toEqual([
      { message: 'module did not stop cleanly', fields: { module: 'throws', error: 'no child' } },
      { message: 'module did not stop cleanly', fields: { module: 'rejects', error: 'socket already closed' } },
    ]);
  });
});
