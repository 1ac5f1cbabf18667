/** The `undercloud` command: the daemon, its service and the host. Each command lives in commands/. */
import { loadProgram, runCli, type CommandModule } from './common/program.js';

const DESCRIPTION = 'The undercloud: install and run the daemon that provisions bare metal and deploys overclouds.';

/** Each module is imported only when its command runs (common/program.ts says why). */
export const UNDERCLOUD_COMMANDS: readonly CommandModule[] = [
  { names: ['install', 'uninstall'], load: () => import('./commands/install.js') },
  { names: ['start', 'stop', 'restart', 'supervise'], load: () => import('./commands/service.js') },
  { names: ['daemon'], load: () => import('./commands/daemon.js') },
  { names: ['status'], load: () => import('./commands/status.js') },
  { names: ['backup', 'restore'], load: () => import('./commands/backup.js') },
  { names: ['events'], load: () => import('./commands/events.js') },
  { names: ['image'], load: () => import('./commands/image-write.js') },
  { names: ['agent'], load: () => import('./commands/agent.js') },
  { names: ['lab'], load: () => import('./commands/lab.js') },
];

export async function main(argv: string[]): Promise<number> {
  return runCli(await loadProgram('undercloud', DESCRIPTION, UNDERCLOUD_COMMANDS, argv), argv);
}
