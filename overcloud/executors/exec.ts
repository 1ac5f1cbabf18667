/** Runs a command for an executor: output streamed to the step log and collected, killed on abort. */
import { spawn } from 'node:child_process';
import type { LogStream } from '../agent/types.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  signal: AbortSignal;
  log?: (stream: LogStream, data: string) => void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Collect at most this much of each stream (the log gets everything). */
  keepBytes?: number;
}

export function runCommand(cmd: string, args: readonly string[], o: RunOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) return reject(o.signal.reason);
    const keep = o.keepBytes ?? 1024 * 1024;
    const child = spawn(cmd, args, { env: o.env ?? process.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < keep) stdout += d;
      o.log?.('stdout', d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < keep) stderr += d;
      o.log?.('stderr', d);
    });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    o.signal.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      o.signal.removeEventListener('abort', kill);
      reject(err);
    });
    child.on('close', (code, sig) => {
      o.signal.removeEventListener('abort', kill);
      if (o.signal.aborted) return reject(o.signal.reason);
      resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr });
    });
  });
}

/** Joins `p` under `root` ('/' on a real node); `p` must be absolute. */
export function underRoot(root: string, p: string): string {
  if (!p.startsWith('/')) throw new Error(`path "${p}" must be absolute`);
  return root === '/' ? p : root.replace(/\/+$/, '') + p;
}
