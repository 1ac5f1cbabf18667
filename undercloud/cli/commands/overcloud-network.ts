/**
 * The isolated networks (TripleO Wallaby's `overcloud network ...`):
 * - `network provision network_data.yaml`: creates the networks that do not exist and brings the others to
 *   the file (networks not in it are left alone); `overcloud deploy -n FILE` does the same first.
 * - `network unprovision network_data.yaml | --all [-y]`: deletes the file's networks (or every one); refused
 *   for a network whose addresses servers still hold.
 * - `network list`, `network ports [NETWORK]` (ours; TripleO lists them with `openstack network/port list`).
 * The file is checked here first, so its errors name its lines; the daemon checks again against what it holds.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NetworksClient, type Network, type NetworkPortRecord, type ProvisionNetworksResponse } from '../../../proto/gen/undercloud/v1/networks.js';
import { call, connect, type Connection } from '../common/client.js';
import { confirmed } from '../common/confirm.js';
import { renderData, renderTable, type OutputFormat } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { InvalidError } from '../../errors.js';
import { TemplateErrors } from '../../orchestration/errors.js';
import { parseNetworkData } from '../../orchestration/roles/network-data.js';
import type { NetworkSpec } from '../../networks/types.js';

/** network_data.yaml's enabled networks; its errors (file:line:col) thrown together. */
export function readNetworkData(file: string): NetworkSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidError('FILE_MISSING', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const parsed = parseNetworkData(text, file);
  if (parsed.errors.length > 0) throw new TemplateErrors(parsed.errors);
  return parsed.networks;
}

function toMessage(s: NetworkSpec): Network {
  return {
    id: '', name: s.name, nameLower: s.nameLower, mtu: s.mtu, vip: s.vip, dnsDomain: s.dnsDomain ?? '', portCount: 0, createdAt: '', updatedAt: '',
    subnets: s.subnets.map((x) => ({ name: x.name, cidr: x.cidr, gateway: x.gateway ?? '', vlan: x.vlan ?? 0, allocationPools: x.allocationPools })),
  };
}

/** Provisions the file's networks through the daemon. */
export async function provisionNetworks(conn: Connection, file: string): Promise<ProvisionNetworksResponse> {
  const specs = readNetworkData(file);
  const client = conn.client(NetworksClient);
  return call(conn, client.provisionNetworks, client, { networks: specs.map(toMessage) });
}

/** One line for the operator: what provisioning did. */
export function provisionSummary(r: ProvisionNetworksResponse): string {
  const part = (what: string, names: string[]): string[] => (names.length > 0 ? [`${what} ${names.join(', ')}`] : []);
  const parts = [...part('created', r.created), ...part('updated', r.updated), ...part('unchanged', r.unchanged)];
  return `networks: ${parts.join('; ') || 'none in the file'}`;
}

/** A network as `--format json` prints it: snake_case keys, as every other command's JSON (network_data.yaml's names). */
function networkJson(n: Network): Record<string, unknown> {
  return {
    id: n.id, name: n.name, name_lower: n.nameLower, mtu: n.mtu, vip: n.vip, dns_domain: n.dnsDomain || null, ports: n.portCount,
    subnets: n.subnets.map((s) => ({ name: s.name, cidr: s.cidr, gateway: s.gateway || null, vlan: s.vlan || null, allocation_pools: s.allocationPools.map((p) => ({ start: p.start, end: p.end })) })),
    created_at: n.createdAt, updated_at: n.updatedAt || null,
  };
}

/** An address a server holds, as `--format json` prints it. */
function portJson(p: NetworkPortRecord): Record<string, unknown> {
  return { id: p.id, hostname: p.hostname, network: p.network, subnet: p.subnet, ip_address: p.ipAddress, cidr: p.cidr, vlan: p.vlan || null };
}

function networkRows(networks: Network[]): Record<string, unknown>[] {
  return networks.flatMap((n) => n.subnets.map((s) => ({
    network: n.name, name_lower: n.nameLower, mtu: n.mtu, subnet: s.name, cidr: s.cidr, vlan: s.vlan || null, gateway: s.gateway || null,
    allocation_pools: s.allocationPools.map((p) => `${p.start}-${p.end}`), ports: n.portCount,
  })));
}

function renderNetworks(networks: Network[], format: OutputFormat): string {
  const rows = networkRows(networks);
  return renderData(format === 'table' ? rows : networks.map(networkJson), format, () => renderTable(rows, [
    { header: 'Network', get: (r) => String(r['network']) },
    { header: 'Name lower', get: (r) => String(r['name_lower']) },
    { header: 'Subnet', get: (r) => String(r['subnet']) },
    { header: 'CIDR', get: (r) => String(r['cidr']) },
    { header: 'VLAN', get: (r) => String(r['vlan'] ?? '') },
    { header: 'MTU', get: (r) => String(r['mtu']) },
    { header: 'Allocation pools', get: (r) => (r['allocation_pools'] as string[]).join(', ') },
    { header: 'Ports', get: (r) => String(r['ports']) },
  ]));
}

export function register(program: Command): void {
  const network = program.command('network').description('the isolated networks (network_data.yaml) and the addresses servers hold on them');

  network.command('provision')
    .description('create the networks of network_data.yaml that do not exist and bring the others to the file (TripleO\'s)')
    .argument('<network_data>', 'network_data.yaml (TripleO\'s v2 format)')
    .action(async (file: string, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const conn = connect(g.config);
      try {
        const r = await provisionNetworks(conn, file);
        if (g.format === 'table') process.stderr.write(`${provisionSummary(r)}\n`);
        out(g.format === 'table' ? renderNetworks(r.networks, g.format) : renderData({ created: r.created, updated: r.updated, unchanged: r.unchanged, networks: r.networks.map(networkJson) }, g.format, () => ''));
      } finally {
        conn.close();
      }
    });

  network.command('unprovision')
    .description('delete the networks of network_data.yaml (or every network with --all); refused while servers hold addresses on them')
    .argument('[network_data]', 'network_data.yaml whose networks to delete')
    .option('--all', 'every network the undercloud holds', false)
    .option('-y, --yes', 'do not ask first', false)
    .action(async (file: string | undefined, opts: { all: boolean; yes: boolean }, cmd: Command) => {
      const g = globals(cmd);
      if ((file === undefined) === !opts.all) throw new InvalidError('USAGE', 'give network_data.yaml or --all (not both)');
      const names = file === undefined ? [] : readNetworkData(file).map((n) => n.name);
      const conn = connect(g.config);
      try {
        const client = conn.client(NetworksClient);
        const what = opts.all ? 'every network' : `the networks ${names.join(', ')}`;
        if (!(await confirmed(`Delete ${what}?`, `delete ${what}`, opts.yes))) {
          out('nothing deleted\n');
          return;
        }
        const r = await call(conn, client.unprovisionNetworks, client, { names, all: opts.all });
        out(renderData({ deleted: r.deleted }, g.format, () => (r.deleted.length > 0 ? `deleted ${r.deleted.join(', ')}\n` : 'no network to delete\n')));
      } finally {
        conn.close();
      }
    });

  network.command('list')
    .description('the networks the undercloud holds, one line per subnet')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const conn = connect(g.config);
      try {
        const client = conn.client(NetworksClient);
        out(renderNetworks((await call(conn, client.listNetworks, client, {})).networks, g.format));
      } finally {
        conn.close();
      }
    });

  network.command('ports')
    .description('the addresses servers hold, on every network or on one')
    .argument('[network]', 'a network\'s name or name_lower')
    .action(async (name: string | undefined, _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const conn = connect(g.config);
      try {
        const client = conn.client(NetworksClient);
        const ports = (await call(conn, client.listPorts, client, { network: name ?? '' })).ports;
        out(renderData(ports.map(portJson), g.format, () => renderTable(ports, [
          { header: 'Hostname', get: (p) => p.hostname },
          { header: 'Network', get: (p) => p.network },
          { header: 'Subnet', get: (p) => p.subnet },
          { header: 'Address', get: (p) => p.ipAddress },
          { header: 'VLAN', get: (p) => (p.vlan ? String(p.vlan) : '') },
        ])));
      } finally {
        conn.close();
      }
    });
}
