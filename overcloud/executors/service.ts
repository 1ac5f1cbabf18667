/**
 * `service` steps: a systemd unit enabled or disabled, started, stopped, restarted or reloaded. enable,
 * disable, start and stop only act when the unit is not already so (changed = false otherwise); restart
 * and reload are actions and always act.
 */
import { StepError, type ExecContext, type ExecOutcome, type StepExecutor } from '../agent/types.js';
import { runCommand } from './exec.js';
import { str } from './params.js';

const UNIT = /^[A-Za-z0-9@._:-]+$/;

async function systemctl(ctx: ExecContext, args: string[], check = true): Promise<number> {
  const r = await runCommand('systemctl', args, { signal: ctx.signal, log: check ? ctx.log : undefined });
  if (check && r.code !== 0) throw new StepError('service_failed', `systemctl ${args.join(' ')} exited with ${r.code}`, { stderr: r.stderr.slice(-4000) });
  return r.code;
}

export const serviceExecutor: StepExecutor = {
  kind: 'service',
  modes: ['node'],
  async run(ctx: ExecContext): Promise<ExecOutcome> {
    const p = ctx.step.params;
    const name = str(p, 'name');
    if (!UNIT.test(name)) throw new StepError('invalid_params', `"${name}" is not a unit name`, {}, false);
    const enabled = p.enabled;
    if (enabled !== undefined && typeof enabled !== 'boolean') throw new StepError('invalid_params', 'parameter "enabled" must be true or false', {}, false);
    const state = p.state;
    if (state !== undefined && !['started', 'stopped', 'restarted', 'reloaded'].includes(state as string)) {
      throw new StepError('invalid_params', 'parameter "state" must be started, stopped, restarted or reloaded', {}, false);
    }
    const actions: string[] = [];
    if (enabled !== undefined) {
      const isEnabled = (await systemctl(ctx, ['is-enabled', '--quiet', name], false)) === 0;
      if (isEnabled !== enabled) {
        await systemctl(ctx, [enabled ? 'enable' : 'disable', name]);
        actions.push(enabled ? 'enabled' : 'disabled');
      }
    }
    if (state !== undefined) {
      const active = (await systemctl(ctx, ['is-active', '--quiet', name], false)) === 0;
      if (state === 'started' && !active) {
        await systemctl(ctx, ['start', name]);
        actions.push('started');
      } else if (state === 'stopped' && active) {
        await systemctl(ctx, ['stop', name]);
        actions.push('stopped');
      } else if (state === 'restarted') {
        await systemctl(ctx, ['restart', name]);
        actions.push('restarted');
      } else if (state === 'reloaded') {
        await systemctl(ctx, ['reload', name]);
        actions.push('reloaded');
      }
    }
    ctx.log('agent', actions.length ? `${name}: ${actions.join(', ')}\n` : `${name}: already as requested\n`);
    return { changed: actions.length > 0, outputs: { actions } };
  },
};
