/** The `undercloud` command: the daemon, its service and the host. Each command lives in commands/. */
import { createProgram, runCli } from './common/program.js';
import { register as registerDaemon } from './commands/daemon.js';
import { register as registerStatus } from './commands/status.js';
import { register as registerEvents } from './commands/events.js';
import { register as registerImageWrite } from './commands/image-write.js';
import { register as registerInstall } from './commands/install.js';
import { register as registerService } from './commands/service.js';
import { register as registerAgent } from './commands/agent.js';
import { register as registerLab } from './commands/lab.js';

export function undercloudProgram() {
  const program = createProgram('undercloud', 'The undercloud: install and run the daemon that provisions bare metal and deploys overclouds.');
  registerInstall(program);
  registerService(program);
  registerDaemon(program);
  registerStatus(program);
  registerEvents(program);
  registerImageWrite(program);
  registerAgent(program);
  registerLab(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  return runCli(undercloudProgram(), argv);
}
