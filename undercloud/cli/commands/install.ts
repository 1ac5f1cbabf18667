import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { DaemonConfig } from '../../daemon/config.js';
import { serviceFiles } from '../../install/service.js';
import type { StepResult } from '../../install/install.js';
import { loadConfig } from '../../daemon/config.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { UndercloudError } from '../../errors.js';
import { fetchStatus, statusView } from './status.js';

const stepColumns = [
  { header: 'Step', get: (s: StepResult) => s.step },
  { header: 'Status', get: (s: StepResult) => s.status },
  { header: 'Detail', get: (s: StepResult) => s.detail },
];

/** Flag -> undercloud.conf key. Names follow TripleO's undercloud.conf. */
const DEFAULT_FLAGS: Record<string, string> = {
  localIp: 'local_ip', localInterface: 'local_interface', localSubnet: 'local_subnet', enabledHardwareTypes: 'enabled_hardware_types',
  undercloudNameservers: 'undercloud_nameservers', undercloudNtpServers: 'undercloud_ntp_servers', stateDir: 'state_dir',
  socketPath: 'socket_path', apiTlsListen: 'api_tls_listen', agentListen: 'agent_listen', networkNamespace: 'network_namespace', logFile: 'log_file',
};
const SUBNET_FLAGS: Record<string, string> = { cidr: 'cidr', dhcpStart: 'dhcp_start', dhcpEnd: 'dhcp_end', inspectionIprange: 'inspection_iprange', gateway: 'gateway' };

export async function waitForStatus(configFile: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fetchStatus(configFile);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new UndercloudError('DAEMON_START_TIMEOUT', `the daemon did not answer within ${timeoutMs / 1000} s: ${(last as Error)?.message}`);
}

/** The last lines the supervised daemon printed: why it did not come up (a refused setting, a port in use). */
function daemonOutputTail(config: DaemonConfig, lines = 15): string {
  const { outLog } = serviceFiles(config);
  if (!existsSync(outLog)) return `(the daemon wrote nothing to ${outLog})`;
  return `the daemon's output (${outLog}):\n${readFileSync(outLog, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`;
}

export function register(program: Command): void {
  const cmd = program
    .command('install')
    .description('bootstrap this host as an undercloud (idempotent): packages, config, certificates, service, daemon')
    .option('--local-ip <cidr>', 'undercloud address on the provisioning network (local_ip)')
    .option('--local-interface <nic>', 'provisioning interface (local_interface)')
    .option('--local-subnet <name>', 'name of the provisioning subnet section (local_subnet)')
    .option('--cidr <cidr>', 'provisioning subnet (cidr)')
    .option('--dhcp-start <ip>', 'first DHCP address (dhcp_start)')
    .option('--dhcp-end <ip>', 'last DHCP address (dhcp_end)')
    .option('--inspection-iprange <start,end>', 'addresses used while inspecting (inspection_iprange)')
    .option('--gateway <ip>', 'gateway of the provisioning subnet (gateway)')
    .option('--enabled-hardware-types <list>', 'e.g. ipmi,redfish,libvirt,fake (enabled_hardware_types)')
    .option('--undercloud-nameservers <list>', 'DNS servers for nodes (undercloud_nameservers)')
    .option('--undercloud-ntp-servers <list>', 'NTP servers (undercloud_ntp_servers)')
    .option('--state-dir <dir>', 'store, images and run-time files (state_dir)')
    .option('--socket-path <path>', 'operator API unix socket (socket_path)')
    .option('--log-file <path>', 'daemon log file, JSON lines (log_file)')
    .option('--api-tls-listen <host:port>', 'also serve the operator API over TLS (api_tls_listen)')
    .option('--agent-listen <host:port>', 'where node agents connect (agent_listen)')
    .option('--network-namespace <name>', 'run provisioning services in this namespace (network_namespace)')
    .option('--skip-packages', 'do not install Debian packages', false)
    .option('--no-start', 'configure only; do not start the daemon');
  cmd.action(async (opts: Record<string, string | boolean>, c: Command) => {
    const g = globals(c);
    const pick = (map: Record<string, string>) => Object.fromEntries(Object.entries(map).filter(([flag]) => typeof opts[flag] === 'string').map(([flag, key]) => [key, String(opts[flag])]));
    const table = g.format === 'table';
    const { install } = await import('../../install/install.js');
    const result = await install({
      configFile: g.config, settings: pick(DEFAULT_FLAGS), subnet: pick(SUBNET_FLAGS), skipPackages: opts.skipPackages === true, start: opts.start !== false,
      onStep: table ? (s) => out(`${s.step.padEnd(13)} ${s.status.padEnd(9)} ${s.detail}\n`) : undefined,
    });
    const status = opts.start !== false ? statusView(await waitForStatus(g.config, 30_000).catch((err: Error) => {
      throw new UndercloudError('DAEMON_START_FAILED', `${err.message}\n${daemonOutputTail(result.config)}`);
    })) : undefined;
    if (table) out(result.changed ? `undercloud installed (config ${result.config.file})\n` : 'undercloud install: nothing changed (already installed and running)\n');
    else out(renderData({ changed: result.changed, config: result.config.file, steps: result.steps, status }, g.format, () => ''));
  });

  program
    .command('uninstall')
    .description('remove what install created; the store is kept unless --purge')
    .option('--purge', 'also delete the state directory (the store and images)', false)
    .action(async (opts: { purge: boolean }, c: Command) => {
      const g = globals(c);
      const { uninstall } = await import('../../install/uninstall.js');
      const steps = await uninstall(loadConfig(g.config), opts.purge);
      out(renderData({ steps }, g.format, () => renderTable(steps, stepColumns)));
    });
}
