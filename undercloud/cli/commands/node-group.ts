/**
 * The `overcloud node` command group, shared by every command file that adds a `node` sub-command
 * (`node logs` here; `node import|list|introspect|...` elsewhere). Whoever registers first creates it.
 */
import type { Command } from 'commander';

export function nodeCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'node');
  if (existing) return existing;
  return program.command('node').description('bare-metal nodes: enroll, inspect, provide, logs of their agents');
}
