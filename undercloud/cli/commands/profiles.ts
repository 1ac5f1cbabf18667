/**
 * `overcloud profiles list [--all]` (TripleO's): which profile each node carries (capability `profile`) and
 * which it could take (capabilities `<name>_profile: true`, TripleO's "possible profiles"), for the nodes a
 * deploy can use: available or active and not in maintenance; `--all` lists every node. Roles pick nodes
 * by profile (roles_data/baremetal_deployment `profile`), so this is the check before a deploy.
 */
import type { Command } from 'commander';
import type { Node } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { call } from '../common/client.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { nodeClient } from './node-common.js';

interface ProfileRow { node_uuid: string; node_name: string; provision_state: string; current_profile: string | null; possible_profiles: string[] }

const USABLE = new Set(['available', 'active']);

export function profileRow(n: Node): ProfileRow {
  const possible = Object.entries(n.capabilities)
    .filter(([k, v]) => k.endsWith('_profile') && k !== '_profile' && ['true', '1', 'yes'].includes(v.toLowerCase()))
    .map(([k]) => k.slice(0, -'_profile'.length))
    .sort();
  return { node_uuid: n.id, node_name: n.name, provision_state: n.provisionState, current_profile: n.capabilities.profile || null, possible_profiles: possible };
}

export function register(program: Command): void {
  program
    .command('profiles')
    .description('node profiles (TripleO\'s): the profile each node has, and the ones it could take')
    .command('list')
    .description('the profiles of the nodes a deploy can use (available or active, not in maintenance)')
    .option('--all', 'every node, whatever its state', false)
    .action(async (opts: { all: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const nc = nodeClient(g.config);
      try {
        const res = await call(nc.conn, nc.client.listNodes, nc.client, { provisionState: '' });
        const rows = res.nodes.filter((n) => opts.all || (USABLE.has(n.provisionState) && !n.maintenance)).map(profileRow);
        out(renderData(rows, g.format, () => renderTable(rows, [
          { header: 'Node UUID', get: (r) => r.node_uuid },
          { header: 'Node Name', get: (r) => r.node_name },
          { header: 'Provision State', get: (r) => r.provision_state },
          { header: 'Current Profile', get: (r) => r.current_profile ?? '' },
          { header: 'Possible Profiles', get: (r) => r.possible_profiles.join(', ') },
        ])));
      } finally {
        nc.conn.close();
      }
    });
}
