/** The `overcloud` command: what operators do to nodes, images and stacks. Each command lives in commands/. */
import { loadProgram, runCli, type CommandModule } from './common/program.js';

const DESCRIPTION = 'Deploy and manage overclouds: nodes, images and stacks, through the undercloud daemon.';

/** Each module is imported only when its command runs (common/program.ts says why); `node` is shared. */
export const OVERCLOUD_COMMANDS: readonly CommandModule[] = [
  { names: ['events'], load: () => import('./commands/events.js') },
  { names: ['node'], load: () => import('./commands/node-import.js') },
  { names: ['node'], load: () => import('./commands/node-list.js') },
  { names: ['node'], load: () => import('./commands/node-provision.js') },
  { names: ['node'], load: () => import('./commands/node-power.js') },
  { names: ['node'], load: () => import('./commands/node-logs.js') },
  { names: ['node'], load: () => import('./commands/node-delete.js') },
  { names: ['node'], load: () => import('./commands/node-maintenance.js') },
  { names: ['node'], load: () => import('./commands/node-set.js') },
  { names: ['node'], load: () => import('./commands/node-configure.js') },
  { names: ['node'], load: () => import('./commands/node-instances.js') },
  { names: ['node'], load: () => import('./commands/node-extract.js') },
  { names: ['image'], load: () => import('./commands/overcloud-image.js') },
  { names: ['deploy'], load: () => import('./commands/overcloud-deploy.js') },
  { names: ['roles'], load: () => import('./commands/overcloud-roles.js') },
  { names: ['network'], load: () => import('./commands/overcloud-network.js') },
  { names: ['profiles'], load: () => import('./commands/profiles.js') },
  { names: ['support'], load: () => import('./commands/support-report.js') },
  { names: ['status', 'failures', 'delete', 'credentials', 'export', 'stack'], load: () => import('./commands/overcloud-stack.js') },
];

export async function main(argv: string[]): Promise<number> {
  return runCli(await loadProgram('overcloud', DESCRIPTION, OVERCLOUD_COMMANDS, argv), argv);
}
