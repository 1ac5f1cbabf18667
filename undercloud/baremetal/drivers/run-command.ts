/**
 * Runs a BMC tool (virsh, ipmitool) without a shell: arguments as an array, secrets passed through the
 * environment only, a timeout and the caller's AbortSignal. Resolves with stdout/stderr and the exit code.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (cmd: string, args: readonly string[], opts: { env?: Record<string, string>; signal: AbortSignal; timeoutMs?: number; input?: string }) => Promise<CommandResult>;

/** Thrown when the program is not installed; names the Debian package. */
export class CommandMissingError extends Error {
  constructor(readonly cmd: string, readonly pkg: string) {
    super(`${cmd} is not installed (apt-get install ${pkg})`);
  }
}

const PACKAGES: Record<string, string> = { virsh: 'libvirt-clients', ipmitool: 'ipmitool', dnsmasq: 'dnsmasq-base' };

export const runCommand: CommandRunner = (cmd, args, opts) =>
  new Promise((resolve, reject) => {
    const signal = opts.timeoutMs ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : opts.signal;
    const child = spawn(cmd, args, { env: { ...process.env, LC_ALL: 'C', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') reject(new CommandMissingError(cmd, PACKAGES[cmd] ?? cmd));
      else if (err.name === 'AbortError') reject(new Error(`${cmd} ${args[0] ?? ''}: ${signal.reason instanceof Error ? signal.reason.message : 'aborted'}`, { cause: err }));
      else reject(err);
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A tool that exits without reading stdin must not turn into an EPIPE on our side.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
