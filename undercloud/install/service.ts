/**
 * Runs the daemon as a service. Where systemd is PID 1 and the config is the system one, it is a systemd
 * unit (undercloud.service). Everywhere else (containers, CI, a second undercloud with its own --config)
 * it is a supervised background process: `undercloud supervise` restarts the daemon if it dies, and
 * keeps a pid file and a log under the state directory. `undercloud start|stop|restart` work in both modes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { DaemonConfig } from '../daemon/config.js';
import { DEFAULT_CONFIG_PATH } from '../daemon/config-path.js';
import { projectRoot } from '../version.js';
import { UndercloudError } from '../errors.js';

export type ServiceMode = 'systemd' | 'supervised';
export const UNIT_NAME = 'undercloud.service';
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;

export function systemdIsInit(): boolean {
  return existsSync('/run/systemd/system');
}

export function serviceMode(config: DaemonConfig): ServiceMode {
  return systemdIsInit() && config.file === path.resolve(DEFAULT_CONFIG_PATH) ? 'systemd' : 'supervised';
}

export function serviceFiles(config: DaemonConfig) {
  const runDir = path.join(config.stateDir, 'run');
  return { runDir, pidFile: path.join(runDir, 'supervisor.pid'), outLog: path.join(config.stateDir, 'daemon.out.log') };
}

export function undercloudBin(): string {
  return path.join(projectRoot(), 'bin', 'undercloud');
}

export function renderUnit(config: DaemonConfig): string {
  return `# Written by "undercloud install"; "undercloud uninstall" removes it.
[Unit]
Description=undercloud daemon (bare-metal provisioning and orchestration)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${process.execPath} ${undercloudBin()} daemon --config ${config.file} --no-console-log
Restart=on-failure
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=${config.shutdownGraceSeconds + 15}
RuntimeDirectory=undercloud
RuntimeDirectoryPreserve=yes

[Install]
WantedBy=multi-user.target
`;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function supervisorPid(config: DaemonConfig): number | undefined {
  const { pidFile } = serviceFiles(config);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
}

export function isRunning(config: DaemonConfig): boolean {
  if (serviceMode(config) === 'systemd') return spawnSync('systemctl', ['is-active', '--quiet', UNIT_NAME]).status === 0;
  return supervisorPid(config) !== undefined;
}

/** Starts the service; 'unchanged' when it was already running. */
export function startService(config: DaemonConfig): 'started' | 'unchanged' {
  if (isRunning(config)) return 'unchanged';
  if (serviceMode(config) === 'systemd') {
    systemctl('start', UNIT_NAME);
    return 'started';
  }
  const f = serviceFiles(config);
  mkdirSync(f.runDir, { recursive: true });
  const out = openSync(f.outLog, 'a');
  const child = spawn(process.execPath, [undercloudBin(), 'supervise', '--config', config.file], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  closeSync(out);
  return 'started';
}

/** Stops the service and waits for it to exit; 'unchanged' when it was not running. */
export async function stopService(config: DaemonConfig): Promise<'stopped' | 'unchanged'> {
  if (serviceMode(config) === 'systemd') {
    if (!isRunning(config)) return 'unchanged';
    systemctl('stop', UNIT_NAME);
    return 'stopped';
  }
  const pid = supervisorPid(config);
  if (pid === undefined) return 'unchanged';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + (config.shutdownGraceSeconds + 15) * 1000;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) {
      // startService runs the supervisor detached, so it leads a process group with the daemon (and, in a
      // lab, the daemon re-executed inside the namespace, and dnsmasq) in it: a daemon that did not drain
      // in time must not outlive its supervisor. Seen: `scripts/teardown` during a deploy left both.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        process.kill(pid, 'SIGKILL');
      }
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const { pidFile } = serviceFiles(config);
  if (existsSync(pidFile)) unlinkSync(pidFile);
  return 'stopped';
}

export function systemctl(...args: string[]): void {
  const r = spawnSync('systemctl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new UndercloudError('SERVICE_FAILED', `systemctl ${args.join(' ')} failed: ${(r.stderr || r.stdout || '').trim()}`);
}
