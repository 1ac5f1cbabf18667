/**
 * `undercloud supervise`: the service manager where there is no systemd. It runs `undercloud daemon`,
 * restarts it with backoff when it exits on its own, and on SIGTERM forwards the signal, waits for the
 * daemon to drain, removes its pid file and exits. Its pid file is how start/stop find it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import type { DaemonConfig } from '../daemon/config.js';
import { serviceFiles, supervisorPid, undercloudBin } from './service.js';
import { UndercloudError } from '../errors.js';

export async function runSupervisor(config: DaemonConfig): Promise<void> {
  const f = serviceFiles(config);
  const other = supervisorPid(config);
  if (other !== undefined && other !== process.pid) throw new UndercloudError('DAEMON_ALREADY_RUNNING', `already supervised by pid ${other}`);
  mkdirSync(f.runDir, { recursive: true });
  writeFileSync(f.pidFile, `${process.pid}\n`);
  let stopping = false;
  let child: ChildProcess | undefined;
  const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} supervisor: ${msg}\n`);
  const stop = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`received ${sig}; stopping the daemon`);
    child?.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  let backoff = 1000;
  try {
    while (!stopping) {
      const started = Date.now();
      child = spawn(process.execPath, [undercloudBin(), 'daemon', '--config', config.file, '--no-console-log'], { stdio: 'inherit' });
      log(`daemon started (pid ${child.pid})`);
      const code = await new Promise<number | null>((resolve) => child!.once('exit', (c, s) => resolve(c ?? (s ? 128 : null))));
      if (stopping) break;
      if (Date.now() - started > 60_000) backoff = 1000;
      log(`daemon exited with ${code}; restarting in ${backoff / 1000} s`);
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 30_000);
    }
  } finally {
    if (existsSync(f.pidFile)) unlinkSync(f.pidFile);
    log('stopped');
  }
}
