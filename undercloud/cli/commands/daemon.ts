import type { Command } from 'commander';
import { globals } from '../common/program.js';

export function register(program: Command): void {
  program
    .command('daemon')
    .description('run the undercloud daemon in the foreground (what the service runs)')
    .option('--no-console-log', 'log only to the log file')
    .action(async (opts: { consoleLog: boolean }, cmd: Command) => {
      const g = globals(cmd);
      // Imported here so other commands don't pay for loading the whole daemon.
      const { loadConfig } = await import('../../daemon/config.js');
      const { Daemon } = await import('../../daemon/daemon.js');
      const config = loadConfig(g.config);
      if (config.networkNamespace) {
        const { insideNamespace, reexecInNamespace } = await import('../../daemon/netns.js');
        if (!insideNamespace(config.networkNamespace)) {
          process.exitCode = await reexecInNamespace(config.networkNamespace);
          return;
        }
      }
      const daemon = new Daemon(config, { debug: g.debug, console: opts.consoleLog });
      await daemon.start();
      const onHup = () => daemon.checkConfig(() => loadConfig(g.config));
      process.on('SIGHUP', onHup);
      await new Promise<void>((resolve) => {
        const onSignal = (sig: NodeJS.Signals) => {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          process.off('SIGHUP', onHup);
          daemon.stop(`received ${sig}`).then(resolve, (err: Error) => {
            daemon.log.error('shutdown failed', { error: err.message });
            resolve();
          });
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
    });
}
