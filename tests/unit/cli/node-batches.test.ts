/** `--concurrency`: a verb on at most N nodes at a time, the next batch once the previous one settled. */
import { describe, expect, it } from 'vitest';
import { Node } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { concurrencyOf, verbInBatches, type NodeClient } from '../../../undercloud/cli/commands/node-common.js';

type Cb = (err: Error | null, res?: unknown) => void;

/**
 * A daemon in memory that logs every call: a verb puts a node in `inspecting`; the next read finds it
 * `manageable` (or, the first time, `inspect failed` for the nodes in `failFirst`).
 */
function fakeDaemon(names: string[], failFirst: string[] = []): { nc: NodeClient; log: string[] } {
  const log: string[] = [];
  const failing = new Set(failFirst);
  const state = new Map(names.map((n) => [n, 'manageable']));
  const client = {
    setProvisionState(req: { node: string; verb: string }, _md: unknown, _o: unknown, cb: Cb) {
      log.push(`${req.verb} ${req.node}`);
      state.set(req.node, 'inspecting');
      cb(null, { node: Node.fromPartial({ name: req.node, provisionState: 'inspecting' }) });
    },
    getNode(req: { node: string }, _md: unknown, _o: unknown, cb: Cb) {
      const now = state.get(req.node)!;
      log.push(`read ${req.node}: ${now}`);
      if (now === 'inspecting') state.set(req.node, failing.delete(req.node) ? 'inspect failed' : 'manageable');
      cb(null, { node: Node.fromPartial({ name: req.node, provisionState: now }) });
    },
  };
  // No progress events: the daemon's status call fails, and the progress display stays silent.
  const conn = { config: { socketPath: '', file: '' }, client: () => ({ status: (_r: unknown, _m: unknown, _o: unknown, cb: Cb) => cb(new Error('none')) }), close: () => undefined };
  return { nc: { conn, client } as unknown as NodeClient, log };
}

describe('verbInBatches', () => {
  it('starts the next batch only once every node of the previous one settled', async () => {
    const { nc, log } = fakeDaemon(['a', 'b', 'c']);
    const nodes = await verbInBatches(nc, ['a', 'b', 'c'], 'inspect', 'manageable', 30, 2);
    expect(nodes.map((n) => [n.name, n.provisionState])).toEqual([['a', 'manageable'], ['b', 'manageable'], ['c', 'manageable']]);
    expect(log).toEqual([
      'inspect a', 'inspect b', 'read a: inspecting', 'read b: inspecting', 'read a: manageable', 'read b: manageable',
      'inspect c', 'read c: inspecting', 'read c: manageable',
    ]);
  });

  it('with retries, only the nodes that failed are asked again; without, the failure names them', async () => {
    const { nc, log } = fakeDaemon(['a', 'b'], ['b']);
    const nodes = await verbInBatches(nc, ['a', 'b'], 'inspect', 'manageable', 30, undefined, { retries: 1, pauseS: 0 });
    expect(nodes.map((n) => n.provisionState)).toEqual(['manageable', 'manageable']);
    expect(log.filter((l) => l.startsWith('inspect '))).toEqual(['inspect a', 'inspect b', 'inspect b']);
    const again = fakeDaemon(['a', 'b'], ['b']);
    await expect(verbInBatches(again.nc, ['a', 'b'], 'inspect', 'manageable', 30, undefined)).rejects.toThrow('node b is "inspect failed", not "manageable"');
  });

  it('without a concurrency every node starts at once (one batch), as before the option', async () => {
    const { nc, log } = fakeDaemon(['a', 'b']);
    await verbInBatches(nc, ['a', 'b'], 'inspect', 'manageable', 30, undefined);
    expect(log.slice(0, 2)).toEqual(['inspect a', 'inspect b']);
  });

  it('--concurrency takes a whole number of nodes, 1 or more', () => {
    expect(concurrencyOf(undefined)).toBeUndefined();
    expect(concurrencyOf('20')).toBe(20);
    for (const bad of ['0', '-1', '1.5', 'x']) expect(() => concurrencyOf(bad)).toThrow('--concurrency must be a whole number, 1 or more');
  });
});
