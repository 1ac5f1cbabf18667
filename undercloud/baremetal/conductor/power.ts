/**
 * Idempotent power changes: query first (with retries of transient BMC errors), do nothing when the node is
 * already there, refuse to act on a node whose state cannot be read (a blind cycle can corrupt a disk being
 * written), then poll until the BMC reports the target or power_state_change_timeout expires.
 */
import type { PowerState, PowerTarget } from '../node.js';
import { BmcError, PowerStateUnknownError } from '../errors.js';
import { sleep, withBmcRetries } from '../drivers/retry.js';
import type { Task } from './task.js';

export interface PowerOptions {
  timeoutMs: number;
  retryAttempts: number;
  retryDelayMs: number;
  pollMs: number;
}

export async function readPowerState(task: Task, o: PowerOptions, signal: AbortSignal): Promise<PowerState> {
  return withBmcRetries(() => task.driver.power.getState(task, signal), { attempts: o.retryAttempts, baseDelayMs: o.retryDelayMs, signal });
}

/** Brings the node to `target`; returns the final power state (saved on the node). */
export async function setPowerState(task: Task, target: PowerTarget, o: PowerOptions, signal: AbortSignal): Promise<PowerState> {
  let current: PowerState;
  try {
    current = await readPowerState(task, o, signal);
  } catch (err) {
    if (err instanceof BmcError) {
      task.update({ powerState: null, lastError: err.message });
      throw new PowerStateUnknownError(task.node.name);
    }
    throw err;
  }
  task.update({ powerState: current, targetPowerState: target });
  const want: PowerState = target === 'rebooting' ? 'power on' : target;
  const retry = { attempts: o.retryAttempts, baseDelayMs: o.retryDelayMs, signal };
  try {
    if (target === 'rebooting' && current === 'power on') {
      await withBmcRetries(() => task.driver.power.reboot(task, signal), retry);
    } else if (current !== want) {
      await withBmcRetries(() => task.driver.power.setState(task, want, signal), retry);
    } else {
      task.update({ targetPowerState: null });
      return current;
    }
    const deadline = Date.now() + o.timeoutMs;
    for (;;) {
      const now = await readPowerState(task, o, signal);
      if (now === want) {
        task.update({ powerState: now, targetPowerState: null });
        task.log.info('power state changed', { from: current, to: now, target });
        return now;
      }
      if (Date.now() > deadline) throw new BmcError(task.node.name, task.driver.power.name, `still ${now} ${o.timeoutMs / 1000}s after asking for ${want} (power_state_change_timeout)`, false);
      await sleep(o.pollMs, signal);
    }
  } catch (err) {
    task.update({ targetPowerState: null, lastError: (err as Error).message });
    throw err;
  }
}
