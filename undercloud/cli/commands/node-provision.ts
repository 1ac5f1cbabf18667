/**
 * Provision verbs: `overcloud node manage|introspect|provide|clean|rebuild|unenroll` (unenroll is Ironic's
 * `baremetal node delete`; `overcloud node delete` is TripleO's scale-down, in node-delete.ts). The daemon does the work;
 * with --wait the command follows the nodes until they settle and fails naming any node that did not
 * reach the expected state, with its last_error.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { InvalidError } from '../../errors.js';
import { call } from '../common/client.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { concurrencyOf, nodeClient, nodeColumns, provisionVerb, type VerbArgs, nodeView, selectNodes, verbInBatches, waitForNodes, waitSeconds, wholeNumberOf } from './node-common.js';
import { nodeCommand } from './node-group.js';
import type { Node } from '../../../proto/gen/undercloud/v1/baremetal.js';

function readKeys(files: string[] | undefined): string[] {
  return (files ?? []).flatMap((f) => {
    try {
      return readFileSync(f, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    } catch (err) {
      throw new InvalidError('CLI_USAGE', `cannot read --ssh-key ${f}: ${(err as Error).message}`);
    }
  });
}

function print(format: ReturnType<typeof globals>['format'], nodes: Node[]): void {
  out(renderData(nodes.map(nodeView), format, () => renderTable(nodes, nodeColumns)));
}

/** Asks for `v` on each node; with --wait follows them until they reach `expect`; prints them. */
async function verbAndWait(cmd: Command, names: string[], v: string, args: VerbArgs, expect: string, wait: string | boolean | undefined, defaultWaitS: number): Promise<void> {
  const g = globals(cmd);
  const nc = nodeClient(g.config);
  try {
    let nodes = await provisionVerb(nc, names, v, args);
    const w = waitSeconds(wait, defaultWaitS);
    if (w !== undefined) nodes = await waitForNodes(nc, names, expect, w);
    print(g.format, nodes);
  } finally {
    nc.conn.close();
  }
}

interface IntrospectOptions {
  allManageable: boolean; provide: boolean; wait?: string | boolean; concurrency?: string; nodeTimeout?: string; maxRetries: string; retryTimeout: string;
}

export function register(program: Command): void {
  const node = nodeCommand(program);
  node
    .command('manage')
    .description('move nodes to manageable (from enroll this verifies their BMC credentials)')
    .argument('<nodes...>', 'names or ids')
    .option('--wait [seconds]', 'wait until the nodes are manageable (default 600 s)')
    .action(async (names: string[], opts: { wait?: string | boolean }, cmd: Command) => {
      await verbAndWait(cmd, names, 'manage', {}, 'manageable', opts.wait, 600);
    });
  node
    .command('introspect')
    .description('inspect nodes (manageable -> inspecting -> manageable) and record their hardware')
    .argument('[nodes...]', 'names or ids')
    .option('--all-manageable', 'every node in manageable', false)
    .option('--provide', 'provide the nodes afterwards (-> available); implies --wait', false)
    .option('--wait [seconds]', 'wait for the result (default 1800 s)')
    .option('--concurrency <n>', 'at most this many nodes at a time, in batches (TripleO\'s; implies --wait; default: all at once)')
    .option('--node-timeout <seconds>', 'how long to wait for each batch of nodes (TripleO\'s; implies --wait; the same as --wait SECONDS)')
    .option('--max-retries <n>', 'while waiting, introspect a node that failed again, up to this many times (TripleO\'s)', '1')
    .option('--retry-timeout <seconds>', 'pause before such a retry (TripleO\'s)', '120')
    .action(async (names: string[], opts: IntrospectOptions, cmd: Command) => {
      const g = globals(cmd);
      const concurrency = concurrencyOf(opts.concurrency);
      const retry = { retries: wholeNumberOf(opts.maxRetries, '--max-retries', 0), pauseS: wholeNumberOf(opts.retryTimeout, '--retry-timeout', 0) };
      const nodeTimeout = opts.nodeTimeout === undefined ? undefined : wholeNumberOf(opts.nodeTimeout, '--node-timeout', 1);
      const nc = nodeClient(g.config);
      try {
        const list = await selectNodes(nc, names, opts.allManageable);
        const w = nodeTimeout ?? waitSeconds(opts.wait ?? (opts.provide || concurrency !== undefined ? true : undefined), 1800);
        let nodes = w === undefined ? await provisionVerb(nc, list, 'inspect') : await verbInBatches(nc, list, 'inspect', 'manageable', w, concurrency, retry);
        if (opts.provide) nodes = await verbInBatches(nc, list, 'provide', 'available', w ?? 1800, concurrency);
        print(g.format, nodes);
      } finally {
        nc.conn.close();
      }
    });
  node
    .command('provide')
    .description('make nodes available for deployment (manageable -> cleaning -> available)')
    .argument('[nodes...]', 'names or ids')
    .option('--all-manageable', 'every node in manageable', false)
    .option('--wait [seconds]', 'wait until the nodes are available (default 1800 s)')
    .option('--concurrency <n>', 'at most this many nodes at a time, in batches (TripleO\'s; implies --wait; default: all at once)')
    .action(async (names: string[], opts: { allManageable: boolean; wait?: string | boolean; concurrency?: string }, cmd: Command) => {
      const g = globals(cmd);
      const concurrency = concurrencyOf(opts.concurrency);
      const nc = nodeClient(g.config);
      try {
        const list = await selectNodes(nc, names, opts.allManageable);
        const w = waitSeconds(opts.wait ?? (concurrency !== undefined ? true : undefined), 1800);
        const nodes = w === undefined ? await provisionVerb(nc, list, 'provide') : await verbInBatches(nc, list, 'provide', 'available', w, concurrency);
        print(g.format, nodes);
      } finally {
        nc.conn.close();
      }
    });
  node
    .command('clean')
    .description('manual cleaning (manageable -> cleaning -> manageable): wipe disk metadata, or everything with --erase full')
    .argument('[nodes...]', 'names or ids')
    .option('--all-manageable', 'every node in manageable (TripleO\'s)', false)
    .option('--erase <mode>', 'metadata (partition tables and signatures) or full', 'metadata')
    .option('--provide', 'provide the nodes afterwards; implies --wait', false)
    .option('--wait [seconds]', 'wait for the result (default 1800 s)')
    .option('--concurrency <n>', 'at most this many nodes at a time, in batches (implies --wait; default: all at once)')
    .action(async (names: string[], opts: { allManageable: boolean; erase: string; provide: boolean; wait?: string | boolean; concurrency?: string }, cmd: Command) => {
      const g = globals(cmd);
      const concurrency = concurrencyOf(opts.concurrency);
      const nc = nodeClient(g.config);
      try {
        const list = await selectNodes(nc, names, opts.allManageable);
        const w = waitSeconds(opts.wait ?? (opts.provide || concurrency !== undefined ? true : undefined), 1800);
        let nodes = w === undefined
          ? await provisionVerb(nc, list, 'clean', { erase: opts.erase })
          : await verbInBatches(nc, list, 'clean', 'manageable', w, concurrency, undefined, { erase: opts.erase });
        if (opts.provide) nodes = await verbInBatches(nc, list, 'provide', 'available', w ?? 1800, concurrency);
        print(g.format, nodes);
      } finally {
        nc.conn.close();
      }
    });
  node
    .command('deploy')
    .description('deploy an image onto available nodes: ramdisk, image written over NBD, config drive, boot from disk, node agent up')
    .argument('<nodes...>', 'names or ids')
    .requiredOption('--image <name>', 'image-store disk image (overcloud image list)')
    .option('--hostname <name>', 'hostname of the installed system (one node only; default: the node name)')
    .option('--ssh-key <file...>', 'OpenSSH public key file(s) for root')
    .option('--wait [seconds]', 'wait until the nodes are active (default 3600 s)')
    .action(async (names: string[], opts: { image: string; hostname?: string; sshKey?: string[]; wait?: string | boolean }, cmd: Command) => {
      if (opts.hostname && names.length > 1) throw new InvalidError('CLI_USAGE', '--hostname names one node; deploy several nodes without it (each gets its own name)');
      const args = { image: opts.image, ...(opts.hostname ? { hostname: opts.hostname } : {}), sshKeys: readKeys(opts.sshKey) };
      await verbAndWait(cmd, names, 'deploy', args, 'active', opts.wait, 3600);
    });
  node
    .command('undeploy')
    .description('undeploy active nodes: power off, clean (when automated cleaning is on), back to available')
    .argument('<nodes...>', 'names or ids')
    .option('--wait [seconds]', 'wait until the nodes are available (default 3600 s)')
    .action(async (names: string[], opts: { wait?: string | boolean }, cmd: Command) => {
      await verbAndWait(cmd, names, 'undeploy', {}, 'available', opts.wait, 3600);
    });
  node
    .command('rebuild')
    .description('re-image active nodes in place, keeping their identity (no cleaning); the next overcloud deploy applies a stack\'s configs to them again')
    .argument('<nodes...>', 'names or ids')
    .option('--image <name>', 'a different image-store disk image (default: the one deployed)')
    .option('--wait [seconds]', 'wait until the nodes are active again (default 3600 s)')
    .action(async (names: string[], opts: { image?: string; wait?: string | boolean }, cmd: Command) => {
      await verbAndWait(cmd, names, 'rebuild', opts.image ? { image: opts.image } : {}, 'active', opts.wait, 3600);
    });
  node
    .command('unenroll')
    .description('remove nodes from the undercloud (only in enroll, manageable or adopt failed, or in maintenance; Ironic\'s node delete)')
    .argument('<nodes...>', 'names or ids')
    .action(async (names: string[], _opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      const nc = nodeClient(g.config);
      try {
        const nodes: Node[] = [];
        for (const name of names) {
          const n = (await call(nc.conn, nc.client.deleteNode, nc.client, { node: name })).node!;
          // A node in maintenance can go from any state: say which server it leaves without hardware.
          const info = nodeView(n).instance_info as { hostname?: string; allocation_key?: string };
          if (info.allocation_key) process.stderr.write(`node ${n.name} was serving ${info.hostname ?? info.allocation_key}: remove that server from its stack with "overcloud node delete ${info.hostname ?? n.id}"\n`);
          nodes.push(n);
        }
        if (g.format === 'table') out(nodes.map((n) => `deleted node ${n.name}\n`).join(''));
        else out(renderData(nodes.map(nodeView), g.format, () => ''));
      } finally {
        nc.conn.close();
      }
    });
}
