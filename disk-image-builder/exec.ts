/**
 * Runs a build command: output goes to the build log (and to `onOutput` when the caller shows it), the
 * last lines are kept for the error message, and the AbortSignal kills the whole process group.
 */
import { spawn } from 'node:child_process';
import type { WriteStream } from 'node:fs';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  log?: WriteStream;
  onOutput?: (chunk: string) => void;
  /** Capture stdout and return it instead of logging it. */
  capture?: boolean;
}

export class CommandError extends Error {
  constructor(readonly command: string, readonly exitCode: number | null, readonly tail: string) {
    super(`${command} exited with ${exitCode === null ? 'a signal' : `status ${exitCode}`}${tail ? `:\n${tail}` : ''}`);
  }
}

const TAIL_LINES = 30;

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason);
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let tail: string[] = [];
    let captured = '';
    const onData = (isStdout: boolean) => (buf: Buffer) => {
      const s = buf.toString('utf8');
      if (opts.capture && isStdout) {
        captured += s;
        return;
      }
      opts.log?.write(s);
      opts.onOutput?.(s);
      tail = [...tail, ...s.split('\n').filter((l) => l.length > 0)].slice(-TAIL_LINES);
    };
    child.stdout.on('data', onData(true));
    child.stderr.on('data', onData(false));
    const abort = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    };
    opts.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', abort);
      reject(err);
    });
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', abort);
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      if (code === 0) resolve(captured);
      else reject(new CommandError([cmd, ...args].join(' ').slice(0, 200), code, tail.join('\n')));
    });
  });
}
