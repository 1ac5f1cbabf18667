/** The `overcloud` command: what operators do to nodes, images and stacks. Each command lives in commands/. */
import { createProgram, runCli } from './common/program.js';
import { register as registerEvents } from './commands/events.js';

export function overcloudProgram() {
  const program = createProgram('overcloud', 'Deploy and manage overclouds: nodes, images and stacks, through the undercloud daemon.');
  registerEvents(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  return runCli(overcloudProgram(), argv);
}
