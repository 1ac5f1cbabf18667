/**
 * `undercloud install`: an idempotent bootstrap of this host. Each step checks before it acts and reports
 * `changed` or `unchanged`, so a second run changes nothing and says so. Config values come from flags
 * named as TripleO's undercloud.conf names them; an existing config keeps every line the flags don't set.
 * The new config is validated before it is written: bad flags change nothing.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig, type DaemonConfig } from '../daemon/config.js';
import { ensurePki } from '../pki/pki.js';
import { setIniValues } from './ini-edit.js';
import { aptInstall, missingPackages, undercloudPackages } from './packages.js';
import { isRunning, renderUnit, serviceMode, startService, stopService, systemctl, UNIT_NAME, UNIT_PATH } from './service.js';
import { othersCanEnter } from '../pxe/dnsmasq.js';

export type StepStatus = 'changed' | 'unchanged' | 'skipped';
export interface StepResult {
  step: string;
  status: StepStatus;
  detail: string;
}

export interface InstallOptions {
  configFile: string;
  /** [DEFAULT] keys from flags (TripleO names). */
  settings: Record<string, string>;
  /** Keys of the local subnet section from flags. */
  subnet: Record<string, string>;
  skipPackages: boolean;
  start: boolean;
  onStep?: (r: StepResult) => void;
}

/** Defaults for a config outside /etc: everything the undercloud writes stays beside the config file. */
function localDefaults(configFile: string): Record<string, string> {
  if (path.resolve(configFile) === path.resolve(DEFAULT_CONFIG_PATH)) return {};
  return { state_dir: './state', pki_dir: './pki', socket_path: './run/undercloud.sock', log_file: './log/undercloud.log' };
}

const HEADER = `# undercloud.conf: written by "undercloud install"; edit freely, re-run install to apply.
# Keys follow TripleO's undercloud.conf where TripleO has them. See docs/configuration.md.
`;

export function renderNewConfig(configFile: string, settings: Record<string, string>, subnet: Record<string, string>): string {
  const d = { local_ip: '192.168.24.1/24', local_interface: 'br-ctlplane', local_subnet: 'ctlplane-subnet', subnets: 'ctlplane-subnet', ...localDefaults(configFile), ...settings };
  let text = HEADER + '[DEFAULT]\n';
  text = setIniValues(text, 'DEFAULT', d).text;
  const base = d.local_ip.split('/')[0]!.split('.').slice(0, 3).join('.');
  const s = { cidr: `${base}.0/24`, dhcp_start: `${base}.5`, dhcp_end: `${base}.24`, inspection_iprange: `${base}.100,${base}.120`, gateway: d.local_ip.split('/')[0]!, ...subnet };
  return setIniValues(text, d.local_subnet, s).text;
}

export async function install(opts: InstallOptions): Promise<{ steps: StepResult[]; changed: boolean; config: DaemonConfig }> {
  const steps: StepResult[] = [];
  const record = (step: string, status: StepStatus, detail: string) => {
    const r = { step, status, detail };
    steps.push(r);
    opts.onStep?.(r);
  };

  // 1. packages
  if (opts.skipPackages) record('packages', 'skipped', '--skip-packages');
  else {
    const missing = missingPackages(undercloudPackages());
    if (missing.length === 0) record('packages', 'unchanged', 'all installed');
    else {
      aptInstall(missing);
      record('packages', 'changed', `installed ${missing.join(' ')}`);
    }
  }

  // 2. config: validate the new text first, then write
  const file = path.resolve(opts.configFile);
  let configChanged = false;
  if (!existsSync(file)) {
    const text = renderNewConfig(file, opts.settings, opts.subnet);
    parseConfig(text, file);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: 0o640 });
    configChanged = true;
    record('config', 'changed', `wrote ${file}`);
  } else {
    const old = readFileSync(file, 'utf8');
    let text = setIniValues(old, 'DEFAULT', opts.settings);
    const current = parseConfig(text.text, file);
    const sub = setIniValues(text.text, current.localSubnet, opts.subnet);
    const changedKeys = [...text.changed, ...sub.changed.map((k) => `${current.localSubnet}.${k}`)];
    text = sub;
    if (changedKeys.length === 0) record('config', 'unchanged', file);
    else {
      parseConfig(text.text, file);
      writeFileSync(file, text.text);
      configChanged = true;
      record('config', 'changed', `set ${changedKeys.join(', ')} in ${file}`);
    }
  }
  const config = loadConfig(file);

  // 3. directories
  const dirs = [config.stateDir, path.join(config.stateDir, 'images'), path.dirname(config.socketPath), ...(config.logFile ? [path.dirname(config.logFile)] : [])];
  const made = dirs.filter((d) => !existsSync(d));
  for (const d of made) mkdirSync(d, { recursive: true, mode: 0o750 });
  // dnsmasq drops root: it must be able to pass through the state folder to its hosts and TFTP folders
  // (searchable, not listable, by others; the store inside is 0600).
  const closed = !othersCanEnter(config.stateDir);
  if (closed) chmodSync(config.stateDir, 0o711);
  const detail = [made.length ? `created ${made.join(', ')}` : '', closed ? `made ${config.stateDir} searchable (0711) for dnsmasq` : ''].filter(Boolean).join('; ');
  record('directories', detail ? 'changed' : 'unchanged', detail || 'present');

  // 4. certificates
  const names = [config.localIp.split('/')[0]!, '127.0.0.1', 'localhost', hostname()];
  const created = await ensurePki(config.pkiDir, names);
  record('certificates', created.length ? 'changed' : 'unchanged', created.length ? `created the undercloud CA and certificates in ${config.pkiDir}` : `present in ${config.pkiDir}`);

  // 5. service definition
  const mode = serviceMode(config);
  if (mode === 'systemd') {
    const unit = renderUnit(config);
    if (existsSync(UNIT_PATH) && readFileSync(UNIT_PATH, 'utf8') === unit) record('service', 'unchanged', `${UNIT_PATH}`);
    else {
      writeFileSync(UNIT_PATH, unit);
      systemctl('daemon-reload');
      systemctl('enable', UNIT_NAME);
      record('service', 'changed', `wrote and enabled ${UNIT_PATH}`);
    }
  } else {
    record('service', 'unchanged', 'supervised background process (systemd is not PID 1, or the config is not the system one)');
  }

  // 6. running daemon (restarted when its config changed)
  if (!opts.start) record('daemon', 'skipped', '--no-start');
  else if (configChanged && isRunning(config)) {
    await stopService(config);
    startService(config);
    record('daemon', 'changed', 'restarted with the new config');
  } else {
    const r = startService(config);
    record('daemon', r === 'started' ? 'changed' : 'unchanged', r === 'started' ? `started (${mode})` : `already running (${mode})`);
  }
  return { steps, changed: steps.some((s) => s.status === 'changed'), config };
}
