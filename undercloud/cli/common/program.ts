/**
 * The shape every command shares: global --config, --format and --debug; errors printed as one line
 * (the stack with --debug) and mapped to stable exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { resolveConfigPath } from '../../daemon/config-path.js';
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

/**
 * A module of commands, imported only when argv names one of its top-level commands: the CLI would
 * otherwise load grpc-js, the generated clients, ajv and the template engine before every command, which
 * costs `undercloud image write` ~15 MiB of its memory budget (docs/nbd.md "Memory") and every command
 * startup time. Help, an unknown command or no command loads them all.
 */
export interface CommandModule {
  /** The top-level commands (or groups, which several modules may share) that the module registers. */
  names: readonly string[];
  load: () => Promise<{ register(program: Command): void }>;
}

/** Global options that take a value, so that value is not taken for the command word. */
const GLOBAL_VALUE_OPTIONS = new Set(['--config', '-f', '--format']);

/** The top-level command word in process-style argv (node, script, ...), if any. */
export function commandWord(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (GLOBAL_VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** A program with the modules argv needs registered, in the order given (which is the order of --help). */
export async function loadProgram(name: string, description: string, modules: readonly CommandModule[], argv: readonly string[]): Promise<Command> {
  const program = createProgram(name, description);
  const word = commandWord(argv);
  const needed = word === undefined ? [] : modules.filter((m) => m.names.includes(word));
  for (const m of needed.length > 0 ? needed : modules) (await m.load()).register(program);
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
