/** The `overcloud` command: what operators do to nodes, images and stacks. Each command lives in commands/. */
import { createProgram, runCli } from './common/program.js';
import { register as registerEvents } from './commands/events.js';
import { register as registerNodeLogs } from './commands/node-logs.js';
import { register as registerNodeImport } from './commands/node-import.js';
import { register as registerNodeList } from './commands/node-list.js';
import { register as registerNodeProvision } from './commands/node-provision.js';
import { register as registerNodePower } from './commands/node-power.js';
import { register as registerImage } from './commands/overcloud-image.js';
import { register as registerOvercloudDeploy } from './commands/overcloud-deploy.js';
import { register as registerOvercloudStack } from './commands/overcloud-stack.js';

export function overcloudProgram() {
  const program = createProgram('overcloud', 'Deploy and manage overclouds: nodes, images and stacks, through the undercloud daemon.');
  registerEvents(program);
  registerNodeImport(program);
  registerNodeList(program);
  registerNodeProvision(program);
  registerNodePower(program);
  registerNodeLogs(program);
  registerImage(program);
  registerOvercloudDeploy(program);
  registerOvercloudStack(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  return runCli(overcloudProgram(), argv);
}
