import { connect } from 'node:net';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { UndercloudError } from '../errors.js';

/** Another daemon already serves the socket this one was told to use. */
export class AlreadyRunningError extends UndercloudError {
  constructor(socketPath: string) {
    super('DAEMON_ALREADY_RUNNING', `another undercloud daemon is already listening on ${socketPath}`);
  }
}

/** True when something accepts connections on the unix socket (a running daemon); false after 1 s of silence. */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    setTimeout(() => done(false), 1000).unref();
  });
}

/** Makes the socket's directory and removes a stale socket left by a daemon that was killed. */
export async function prepareSocketPath(socketPath: string): Promise<void> {
  mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o755 });
  if (!existsSync(socketPath)) return;
  if (await socketAnswers(socketPath)) throw new AlreadyRunningError(socketPath);
  unlinkSync(socketPath);
}
