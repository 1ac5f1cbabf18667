import type { Command } from 'commander';
import { loadConfig } from '../../daemon/config.js';
import { isRunning, serviceMode, startService, stopService } from '../../install/service.js';
import { renderData } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { waitForStatus } from './install.js';
import { statusView } from './status.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('start the undercloud service (systemd unit or supervised process) and wait until it answers')
    .action(async (_o, c: Command) => {
      const g = globals(c);
      const config = loadConfig(g.config);
      const r = startService(config);
      const s = statusView(await waitForStatus(g.config, 30_000));
      out(renderData({ result: r, mode: serviceMode(config), status: s }, g.format, () => `${r === 'started' ? 'started' : 'already running'} (pid ${s.pid}, ${serviceMode(config)})\n`));
    });
  program
    .command('stop')
    .description('stop the undercloud service gracefully (running operations are drained or recorded as interrupted)')
    .action(async (_o, c: Command) => {
      const g = globals(c);
      const r = await stopService(loadConfig(g.config));
      out(renderData({ result: r }, g.format, () => (r === 'stopped' ? 'stopped\n' : 'not running\n')));
    });
  program
    .command('restart')
    .description('stop, then start the undercloud service')
    .action(async (_o, c: Command) => {
      const g = globals(c);
      const config = loadConfig(g.config);
      if (isRunning(config)) await stopService(config);
      startService(config);
      const s = statusView(await waitForStatus(g.config, 30_000));
      out(renderData({ result: 'restarted', status: s }, g.format, () => `restarted (pid ${s.pid})\n`));
    });
  program
    .command('supervise', { hidden: true })
    .description('run the daemon under a restarting supervisor (used by start where systemd is not PID 1)')
    .action(async (_o, c: Command) => {
      const { runSupervisor } = await import('../../install/supervisor.js');
      await runSupervisor(loadConfig(globals(c).config));
    });
}
