/**
 * `undercloud uninstall`: removes what install created (service, config, certificates, socket, logs,
 * run-time files). The store (and images) stay unless `purge`: they are the record of the deployment.
 * Debian packages stay installed: other software may use them.
 */
import { existsSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { DaemonConfig } from '../daemon/config.js';
import { serviceFiles, serviceMode, stopService, systemctl, UNIT_NAME, UNIT_PATH } from './service.js';
import type { StepResult } from './install.js';

export async function uninstall(config: DaemonConfig, purge: boolean): Promise<StepResult[]> {
  const steps: StepResult[] = [];
  const stopped = await stopService(config);
  steps.push({ step: 'daemon', status: stopped === 'stopped' ? 'changed' : 'unchanged', detail: stopped === 'stopped' ? 'stopped' : 'not running' });
  if (serviceMode(config) === 'systemd' && existsSync(UNIT_PATH)) {
    systemctl('disable', UNIT_NAME);
    unlinkSync(UNIT_PATH);
    systemctl('daemon-reload');
    steps.push({ step: 'service', status: 'changed', detail: `removed ${UNIT_PATH}` });
  }
  const remove = (p: string | undefined, what: string) => {
    if (p && existsSync(p)) {
      rmSync(p, { recursive: true, force: true });
      steps.push({ step: what, status: 'changed', detail: `removed ${p}` });
    }
  };
  remove(config.socketPath, 'socket');
  remove(serviceFiles(config).runDir, 'run files');
  remove(serviceFiles(config).outLog, 'logs');
  remove(config.logFile, 'logs');
  remove(config.pkiDir, 'certificates');
  if (purge) {
    remove(config.stateDir, 'state');
  } else if (existsSync(config.stateDir)) {
    steps.push({ step: 'state', status: 'unchanged', detail: `kept ${config.stateDir} (the store${existsSync(config.storePath) ? ` ${path.basename(config.storePath)}` : ''}); --purge removes it` });
  }
  remove(config.file, 'config');
  // Folders install made that are now empty (never the system ones they live in).
  const keep = new Set(['/', '/etc', '/run', '/var', '/var/log', '/var/lib', '/tmp']);
  const candidates = [path.dirname(config.socketPath), config.logFile ? path.dirname(config.logFile) : undefined, path.dirname(config.file)];
  for (const dir of candidates) {
    if (dir && !keep.has(dir) && existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
  }
  return steps;
}
