/**
 * The shape every command shares: global --config, --format and --debug; errors printed as one line
 * (the stack with --debug) and mapped to stable exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { resolveConfigPath } from '../../daemon/config.js';
import { version } from '../../version.js';
import { OUTPUT_FORMATS, type OutputFormat } from './output.js';
import { EXIT, exitCodeFor } from './errors.js';

export interface GlobalOptions {
  /** Absolute path of the config file in effect. */
  config: string;
  format: OutputFormat;
  debug: boolean;
}

export function createProgram(name: string, description: string): Command {
  const program = new Command(name)
    .description(description)
    .version(version(), '--version', 'print the version')
    .option('--config <path>', 'undercloud.conf to use (default: $UNDERCLOUD_CONFIG or /etc/undercloud/undercloud.conf)')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...OUTPUT_FORMATS]).default('table'))
    .option('--debug', 'show debug output and full stack traces on errors', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureHelp({ showGlobalOptions: true });
  return program;
}

export function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as { config?: string; format: OutputFormat; debug: boolean };
  return { config: resolveConfigPath(o.config), format: o.format, debug: o.debug };
}

/** Parses argv and runs the command; never throws; returns the exit code. */
export async function runCli(program: Command, argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    const e = err as Error;
    process.stderr.write(`${program.name()}: error: ${e.message ?? String(err)}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + '\n');
    return exitCodeFor(err);
  }
}

/** Writes command output to stdout. */
export function out(text: string): void {
  process.stdout.write(text);
}
