import { describe, expect, it } from 'vitest';
import { Store } from '../../../undercloud/store/index.js';
import { EventBus } from '../../../undercloud/events/event-bus.js';
import { OperationRunner } from '../../../undercloud/daemon/operations.js';
import { silentLogger } from '../../../undercloud/daemon/logging.js';

function setup(shutdown = new AbortController()) {
  const store = Store.open(':memory:');
  const bus = new EventBus(store);
  return { store, bus, shutdown, runner: new OperationRunner(store, bus, silentLogger(), shutdown.signal) };
}

describe('operations', () => {
  it('records success and failure', async () => {
    const { store, runner } = setup();
    await expect(runner.run('test.ok', {}, {}, async () => 42)).resolves.toBe(42);
    await expect(runner.run('test.bad', { id: 'x' }, {}, async () => { throw new Error('nope'); })).rejects.toThrow('nope');
    const ops = store.operations.list();
    expect(ops.find((o) => o.kind === 'test.ok')!.state).toBe('succeeded');
    expect(ops.find((o) => o.kind === 'test.bad')).toMatchObject({ state: 'failed', error: 'nope', subjectId: 'x' });
  });

  it('marks operations a shutdown stopped as interrupted', async () => {
    const { store, runner, shutdown } = setup();
    const p = runner.run('test.long', {}, {}, (op) => new Promise((_, reject) => op.signal.addEventListener('abort', () => reject(op.signal.reason))));
    shutdown.abort(new Error('stop'));
    await expect(p).rejects.toThrow();
    expect(store.operations.list()[0]).toMatchObject({ state: 'interrupted' });
  });

  it('fails unfinished operations without a resumer at start-up, with a reason and an event', () => {
    const { store, runner } = setup();
    const op = store.operations.begin('deploy', { type: 'node', id: 'n1' });
    const outcome = runner.recover();
    expect(outcome.get(op.id)).toBe('failed');
    const after = store.operations.get(op.id)!;
    expect(after.state).toBe('failed');
    expect(after.error).toMatch(/stopped unexpectedly .* deploy operation was in progress/);
    expect(store.events.list({ kinds: ['operation.failed'] })[0]).toMatchObject({ subjectId: 'n1', severity: 'error' });
  });

  it('resumes operations whose kind has a resumer, with their saved progress', async () => {
    const { store, runner } = setup();
    const op = store.operations.begin('copy', {}, { offset: 0 });
    store.operations.updateDetail(op.id, { offset: 4096 });
    store.operations.interrupt(op.id, 'shutdown');
    let resumedFrom: unknown;
    runner.registerResumer('copy', async (o) => {
      resumedFrom = o.detail.offset;
    });
    expect(runner.recover().get(op.id)).toBe('resumed');
    await new Promise((r) => setTimeout(r, 10));
    expect(resumedFrom).toBe(4096);
    expect(store.operations.get(op.id)!.state).toBe('succeeded');
  });
});
