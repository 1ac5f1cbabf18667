import { describe, expect, it } from 'vitest';
import { memoryConductor, fakeNode } from '../helpers.js';
import { NodeLockedError, InvalidStateError } from '../../../../undercloud/baremetal/errors.js';

describe('conductor', () => {
  it('withNode reserves the node, saves each transition with history and an event, and releases in finally', async () => {
    const { conductor, store } = memoryConductor();
    const n = conductor.nodes.create(fakeNode('n0', '52:54:00:00:00:01'));
    await conductor.withNode('n0', { purpose: 'test', exclusive: true }, (task) => {
      expect(conductor.nodes.get(n.id)?.reservation).toBe('test-conductor');
      task.process('manage');
      task.process('done');
    });
    const after = conductor.nodes.get(n.id)!;
    expect(after.provisionState).toBe('manageable');
    expect(after.reservation).toBeUndefined();
    expect(conductor.nodes.history(n.id).map((h) => `${h.fromState}>${h.toState}`)).toEqual(['enroll>verifying', 'verifying>manageable']);
    const events = store.events.list({ kinds: ['node.provision_state'] });
    expect(events.map((e) => e.data.to)).toEqual(['verifying', 'manageable']);
  });

  it('releases the node when the callback throws, and refuses illegal events without saving', async () => {
    const { conductor } = memoryConductor();
    const n = conductor.nodes.create(fakeNode('n0', '52:54:00:00:00:01'));
    await expect(conductor.withNode('n0', { purpose: 't', exclusive: true }, (task) => task.process('deploy'))).rejects.toBeInstanceOf(InvalidStateError);
    const after = conductor.nodes.get(n.id)!;
    expect(after.provisionState).toBe('enroll');
    expect(after.reservation).toBeUndefined();
    expect(conductor.nodes.history(n.id)).toEqual([]);
  });

  it('throws NodeLockedError after bounded retries when another task holds the node', async () => {
    const { conductor } = memoryConductor();
    const n = conductor.nodes.create(fakeNode('n0', '52:54:00:00:00:01'));
    conductor.nodes.reserve(n.id, 'someone-else');
    const err = await conductor.withNode('n0', { purpose: 't', exclusive: true }, () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeLockedError);
    expect((err as NodeLockedError).code).toBe('NODE_LOCKED');
    // A shared task does not need the lock.
    await expect(conductor.withNode('n0', { purpose: 'read', exclusive: false }, (t) => t.node.name)).resolves.toBe('n0');
  });

  it('begin applies the first event at once and moves the node to its fail state with a clear last_error', async () => {
    const { conductor } = memoryConductor();
    conductor.nodes.create(fakeNode('n0', '52:54:00:00:00:01'));
    await conductor.withNode('n0', { purpose: 't', exclusive: true }, (t) => { t.process('manage'); t.process('done'); });
    const r = await conductor.begin('n0', 'introspect', 'inspect', async (_task, _signal, step) => {
      step('inspect');
      throw new Error('BMC said no');
    });
    expect(r.node.provisionState).toBe('inspecting');
    await expect(r.done).rejects.toThrow('BMC said no');
    const n = conductor.nodes.get('n0')!;
    expect(n.provisionState).toBe('inspect failed');
    expect(n.lastError).toBe('node n0: introspect failed at step "inspect": BMC said no');
    expect(n.reservation).toBeUndefined();
  });

  it('recovers after a crash: clears its own stale reservations and fails stuck *ing states', async () => {
    const { conductor, store } = memoryConductor();
    const a = conductor.nodes.create(fakeNode('a', '52:54:00:00:00:01'));
    const b = conductor.nodes.create(fakeNode('b', '52:54:00:00:00:02'));
    const c = conductor.nodes.create(fakeNode('c', '52:54:00:00:00:03'));
    conductor.nodes.update(a.id, { provisionState: 'deploying' });
    conductor.nodes.update(b.id, { provisionState: 'verifying' });
    conductor.nodes.update(c.id, { provisionState: 'cleaning' });
    conductor.nodes.reserve(a.id, 'test-conductor'); // ours: cleared then recovered
    conductor.nodes.reserve(c.id, 'other-conductor'); // another conductor's: left alone
    const r = conductor.recover();
    expect(r.released).toEqual(['a']);
    expect(r.failed).toEqual([{ node: 'a', from: 'deploying', to: 'deploy failed' }, { node: 'b', from: 'verifying', to: 'enroll' }]);
    expect(conductor.nodes.get('a')!.lastError).toMatch(/restarted while the node was in "deploying".*"deploy failed"/);
    expect(conductor.nodes.get('c')!.provisionState).toBe('cleaning');
    expect(store.events.list({ kinds: ['node.provision_state'] }).every((e) => e.severity === 'error')).toBe(true);
  });

  it('power sync records the observed state without changing the node', async () => {
    const { conductor, store } = memoryConductor();
    const n = conductor.nodes.create(fakeNode('n0', '52:54:00:00:00:01'));
    conductor.nodes.update(n.id, { provisionState: 'manageable', powerState: 'power on' });
    await conductor.syncPowerStates();
    expect(store.events.list({ kinds: ['node.power_state'] })).toEqual([]); // fake power reports what is stored
  });
});

describe('provision timeouts', () => {
  it('fails nodes that waited too long in a wait state, naming the option', async () => {
    const { conductor } = memoryConductor();
    const a = conductor.nodes.create(fakeNode('a', '52:54:00:00:00:01'));
    const b = conductor.nodes.create(fakeNode('b', '52:54:00:00:00:02'));
    const c = conductor.nodes.create(fakeNode('c', '52:54:00:00:00:03'));
    conductor.nodes.update(a.id, { provisionState: 'wait call-back' });
    conductor.nodes.update(b.id, { provisionState: 'clean wait' });
    conductor.nodes.update(c.id, { provisionState: 'wait call-back' });
    conductor.nodes.reserve(c.id, 'busy');
    const timeouts = { 'wait call-back': { ms: 1000, option: 'deploy_callback_timeout' }, 'clean wait': { ms: 60_000, option: 'clean_callback_timeout' } } as const;
    expect(await conductor.checkProvisionTimeouts(timeouts, Date.now() + 5000)).toEqual(['a']);
    expect(conductor.nodes.get('a')).toMatchObject({ provisionState: 'deploy failed', lastError: 'node a: timed out after 1s in "wait call-back" waiting for the agent ([baremetal] deploy_callback_timeout)' });
    expect(conductor.nodes.get('b')!.provisionState).toBe('clean wait');
    expect(conductor.nodes.get('c')!.provisionState).toBe('wait call-back');
  });
});
