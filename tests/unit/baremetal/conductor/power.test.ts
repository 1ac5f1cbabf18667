import { describe, expect, it } from 'vitest';
import { memoryConductor, fakeNode } from '../helpers.js';
import { setPowerState } from '../../../../undercloud/baremetal/conductor/power.js';
import { BmcError, PowerStateUnknownError } from '../../../../undercloud/baremetal/errors.js';
import type { PowerInterface } from '../../../../undercloud/baremetal/drivers/interfaces.js';
import type { Task } from '../../../../undercloud/baremetal/conductor/task.js';
import type { PowerState } from '../../../../undercloud/baremetal/node.js';

const opts = { timeoutMs: 200, retryAttempts: 3, retryDelayMs: 1, pollMs: 2 };

/** A scripted BMC: counts calls, fails the first `flaky` reads with a transient error. */
function scriptedPower(initial: PowerState | 'broken', flaky = 0) {
  let state = initial;
  const calls: string[] = [];
  let reads = 0;
  const power: PowerInterface = {
    name: 'scripted', validate: () => undefined,
    getState: async (task) => {
      calls.push('get');
      if (reads++ < flaky) throw new BmcError(task.node.name, 'scripted', 'busy', true);
      if (state === 'broken') throw new BmcError(task.node.name, 'scripted', 'no answer', false);
      return state;
    },
    setState: async (_t, target) => { calls.push(`set ${target}`); state = target; },
    reboot: async () => { calls.push('reboot'); },
  };
  return { power, calls };
}

async function withTask<T>(power: PowerInterface, fn: (task: Task) => Promise<T>): Promise<T> {
  const { conductor } = memoryConductor();
  conductor.nodes.create(fakeNode('n0', '52:54:00:00:00:01'));
  return conductor.withNode('n0', { purpose: 'power', exclusive: true }, (task) => {
    (task as unknown as { driver: { power: PowerInterface } }).driver = { ...task.driver, power };
    return fn(task);
  });
}

describe('idempotent power', () => {
  it('does nothing when the node already has the state (queries first)', async () => {
    const { power, calls } = scriptedPower('power on');
    await withTask(power, (t) => setPowerState(t, 'power on', opts, AbortSignal.timeout(1000)));
    expect(calls).toEqual(['get']);
  });

  it('sets the state, then polls until the BMC reports it, retrying transient errors', async () => {
    const { power, calls } = scriptedPower('power off', 2);
    const final = await withTask(power, async (t) => {
      const s = await setPowerState(t, 'power on', opts, AbortSignal.timeout(1000));
      expect(t.node.powerState).toBe('power on');
      return s;
    });
    expect(final).toBe('power on');
    expect(calls).toEqual(['get', 'get', 'get', 'set power on', 'get']);
  });

  it('reboot of an off node powers it on instead of resetting', async () => {
    const { power, calls } = scriptedPower('power off');
    await withTask(power, (t) => setPowerState(t, 'rebooting', opts, AbortSignal.timeout(1000)));
    expect(calls).toEqual(['get', 'set power on', 'get']);
  });

  it('never acts on a node whose state cannot be read', async () => {
    const { power, calls } = scriptedPower('broken');
    const err = await withTask(power, (t) => setPowerState(t, 'rebooting', opts, AbortSignal.timeout(1000))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PowerStateUnknownError);
    expect(calls.every((c) => c === 'get')).toBe(true);
  });
});
