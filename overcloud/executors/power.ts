/**
 * `power_off` and `reboot` steps (ramdisk). The action runs after the daemon has stored the step's result,
 * so the report never races the power change (Tinkerbell's reboot-as-last-action problem). With --dry-run
 * the agent only logs the command and records it in <state>/power-actions.log.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { ExecContext, ExecOutcome, StepExecutor } from '../agent/types.js';
import { runCommand } from './exec.js';

function powerExecutor(kind: 'power_off' | 'reboot', verb: 'poweroff' | 'reboot'): StepExecutor {
  return {
    kind,
    modes: ['ramdisk', 'node'],
    async run(ctx: ExecContext): Promise<ExecOutcome> {
      const delayMs = Number(ctx.step.params.delay_ms ?? 500);
      ctx.log('agent', `${verb} after the result is stored${ctx.dryRun ? ' (dry run)' : ''}\n`);
      const stateDir = ctx.stateDir;
      return {
        changed: true,
        outputs: { action: verb, dry_run: ctx.dryRun },
        after: async () => {
          await new Promise((r) => setTimeout(r, Math.max(0, delayMs)));
          if (ctx.dryRun) {
            appendFileSync(path.join(stateDir, 'power-actions.log'), `${new Date().toISOString()} ${verb}\n`);
            return;
          }
          await runCommand('systemctl', [verb], { signal: AbortSignal.timeout(60_000) });
        },
      };
    },
  };
}

export const powerOffExecutor = powerExecutor('power_off', 'poweroff');
export const rebootExecutor = powerExecutor('reboot', 'reboot');
