import type { Command } from 'commander';
import { globals } from '../common/program.js';
import type { Logger } from '../../daemon/logging.js';

/** How long a stopped daemon waits for the event loop to empty (log lines to reach the file) before exiting. */
const EXIT_WAIT_MS = 5000;

/**
 * After a graceful stop everything that matters is recorded (operations interrupted, store closed), but an
 * interrupted operation can still hold a timer, a socket or a child's pipe (a deploy step waiting on a node
 * whose VM is gone): the process must not stay alive for it, or the service manager has to SIGKILL it. The
 * log says what was still open, which is where to look.
 */
export function exitSoon(log: Pick<Logger, 'warn'>, waitMs = EXIT_WAIT_MS): void {
  setTimeout(() => {
    const open = process.getActiveResourcesInfo(); // (includes this timer)
    log.warn('stopped daemon still had resources open; exiting anyway', { resources: countOf(open) });
    setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
  }, waitMs).unref();
}

const countOf = (names: string[]) => Object.fromEntries([...new Set(names)].map((n) => [n, names.filter((x) => x === n).length]));

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
      exitSoon(daemon.log);
    });
}
