/**
 * `overcloud node extract provisioned [--stack S] [-o FILE] [-r roles_data.yaml]` (TripleO's): the
 * baremetal_deployment.yaml of a stack whose servers the stack allocated itself, each instance pinned to
 * the node it runs on (`name`), so that `overcloud deploy -b FILE` (or `node provision FILE`) takes the
 * nodes over as they are (baremetal/allocation.ts `adoptable`: nothing is redeployed) and the stack goes
 * on with pre-provisioned servers: the way from the stack's own allocation to the nova-less flow.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Node } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { renderRoles } from '../../orchestration/roles/render-roles.js';
import { TemplateErrors } from '../../orchestration/errors.js';
import { InvalidError } from '../../errors.js';
import { call } from '../common/client.js';
import { confirmed } from '../common/confirm.js';
import { globals, out } from '../common/program.js';
import { writeFileAtomically } from '../common/write-file.js';
import { instanceInfoOf, nodeClient } from './node-common.js';
import { stackOutputs } from './stack-outputs.js';
import { nodeCommand } from './node-group.js';

interface RoleEntry {
  name: string;
  count: number;
  hostname_format?: string;
  defaults?: { profile?: string; image?: { href: string } };
  instances: { hostname: string; name: string }[];
}


/** The one value every item has, or undefined. */
function common<T>(items: T[]): T | undefined {
  return items.length > 0 && items.every((x) => x === items[0]) ? items[0] : undefined;
}

/** Role -> hostnames (the stack's `hostnames` output) as baremetal_deployment.yaml roles, each instance on its node. */
export function extractRoles(hostnames: Record<string, string[]>, nodes: Node[], formats: Record<string, string>): RoleEntry[] {
  const byHostname = new Map(nodes.filter((n) => typeof instanceInfoOf(n).hostname === 'string').map((n) => [instanceInfoOf(n).hostname as string, n]));
  return Object.entries(hostnames).map(([role, names]) => {
    const mine = names.map((h) => {
      const n = byHostname.get(h);
      if (!n) throw new InvalidError('SERVER_HAS_NO_NODE', `server ${h} (${role}) runs on no node the undercloud deployed: extract covers bare-metal servers only`);
      return n;
    });
    const profile = common(mine.map((n) => n.capabilities.profile));
    const image = common(mine.map((n) => instanceInfoOf(n).image_source));
    const entry: RoleEntry = { name: role, count: names.length, instances: names.map((h, i) => ({ hostname: h, name: mine[i]!.name })) };
    if (formats[role] !== undefined) entry.hostname_format = formats[role];
    if (profile !== undefined || typeof image === 'string') entry.defaults = { ...(profile !== undefined ? { profile } : {}), ...(typeof image === 'string' ? { image: { href: image } } : {}) };
    return entry;
  });
}

export function register(program: Command): void {
  const extract = nodeCommand(program).command('extract').description('write files describing what is deployed');
  extract
    .command('provisioned')
    .description('write the baremetal_deployment.yaml of a stack\'s servers, each pinned to its node, for overcloud deploy -b (which adopts them: nothing is redeployed)')
    .option('--stack <name>', 'stack name', 'overcloud')
    .option('-o, --output <file>', 'where to write it (default: print it)')
    .option('-r, --roles-file <file>', 'the roles_data.yaml the stack was deployed with (each role\'s hostname format)')
    .option('-y, --yes', 'overwrite the output file without asking', false)
    .action(async (opts: { stack: string; output?: string; rolesFile?: string; yes: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const formats: Record<string, string> = {};
      if (opts.rolesFile) {
        const r = renderRoles(readFileSync(opts.rolesFile, 'utf8'), opts.rolesFile);
        if (r.errors.length > 0) throw new TemplateErrors(r.errors);
        for (const role of r.roles) formats[role.name] = role.hostnameFormatDefault;
      }
      const nc = nodeClient(g.config);
      try {
        const outputs = (await stackOutputs(nc.conn, opts.stack)) as { hostnames?: Record<string, string[]> };
        if (!outputs.hostnames) throw new InvalidError('STACK_OUTPUT_MISSING', `stack ${opts.stack} has no "hostnames" output (role -> hostnames, as the default templates give)`);
        const nodes = (await call(nc.conn, nc.client.listNodes, nc.client, { provisionState: '' })).nodes;
        const roles = extractRoles(outputs.hostnames, nodes, formats);
        const text = `# The servers of stack ${opts.stack}, each on the node it runs on (overcloud node extract provisioned).\n`
          + `# overcloud deploy -b with this file adopts the nodes as they are (nothing is redeployed); then edit counts\n`
          + `# and instances here, as for any baremetal_deployment.yaml.\n${stringify(roles, { lineWidth: 0 })}`;
        if (!opts.output) {
          out(text);
          return;
        }
        if (existsSync(opts.output) && !(await confirmed(`${opts.output} exists. Overwrite it?`, `overwrite ${opts.output}`, opts.yes))) {
          out('nothing written\n');
          return;
        }
        writeFileAtomically(opts.output, text);
        process.stderr.write(`${roles.reduce((n, r) => n + r.instances.length, 0)} instance(s) of ${opts.stack} written to ${opts.output}: overcloud deploy -b ${opts.output} adopts them\n`);
      } finally {
        nc.conn.close();
      }
    });
}
