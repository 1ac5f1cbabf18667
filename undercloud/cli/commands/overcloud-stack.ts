/**
 * Stack commands: `overcloud status [--watch]`, `overcloud failures`, `overcloud delete [--yes]`,
 * `overcloud credentials` (writes STACKrc again, as TripleO's), `overcloud export` (the stack's secrets as an environment file),
 * `overcloud stack list|events|outputs|resources|cancel` and `overcloud stack hook poll|clear` (Heat's
 * breakpoints). Each calls one RPC and prints it (table, json or yaml).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { OrchestrationClient, type Resource, type Stack } from '../../../proto/gen/undercloud/v1/orchestration.js';
import { UndercloudClient, type Event } from '../../../proto/gen/undercloud/v1/undercloud.js';
import { call, connect, type Connection } from '../common/client.js';
import { renderData, renderFields, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { EXIT } from '../common/errors.js';
import { confirmed } from '../common/confirm.js';
import { ConflictError, InvalidError } from '../../errors.js';
import { followStack, summarizeCounts } from './stack-progress.js';
import { passwordParameters, passwordsEnvironment, writeStackRc } from './stack-rc.js';
import { writeFileAtomically } from '../common/write-file.js';
import { nodeClient } from './node-common.js';
import { stackOutputs } from './stack-outputs.js';
import { printInstances, readDeployment, unprovisionAndWait } from './node-instances.js';

const STACK_OPT = ['--stack <name>', 'stack name', 'overcloud'] as const;

/** TripleO's deployment status words for a stack state (a rolled-back deploy failed, however the rollback went). */
export function deploymentStatus(s: Pick<Stack, 'action' | 'status'>): string {
  if (s.status === 'IN_PROGRESS') return s.action === 'DELETE' ? 'DELETING' : 'DEPLOYING';
  if (s.status === 'FAILED') return s.action === 'DELETE' ? 'DELETE_FAILED' : 'DEPLOY_FAILED';
  if (s.action === 'ROLLBACK') return 'DEPLOY_FAILED';
  return s.action === 'DELETE' ? 'DELETED' : 'DEPLOY_SUCCESS';
}

/** A final state that means the deploy did not succeed. */
export function deployFailed(s: Pick<Stack, 'action' | 'status'>): boolean {
  return s.status === 'FAILED' || s.action === 'ROLLBACK';
}

function stackView(s: Stack) {
  return {
    name: s.name, id: s.id, stack_status: `${s.action}_${s.status}`, deployment_status: deploymentStatus(s), status_reason: s.statusReason,
    resources: s.resourceCounts, created_at: s.createdAt, updated_at: s.updatedAt,
  };
}

export async function printFailures(conn: Connection, name: string): Promise<number> {
  const orch = conn.client(OrchestrationClient);
  const res = await call(conn, orch.listFailures, orch, { name });
  for (const f of res.failures) {
    out(`${f.stackName}/${f.resource} (${f.type}) ${f.state}\n  ${f.reason}\n`);
    if (f.stdoutTail) out(`  stdout (tail):\n${indent(f.stdoutTail)}\n`);
    if (f.stderrTail) out(`  stderr (tail):\n${indent(f.stderrTail)}\n`);
  }
  return res.failures.length;
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}

async function withConn<T>(cmd: Command, fn: (conn: Connection, orch: OrchestrationClient) => Promise<T>): Promise<T> {
  const conn = connect(globals(cmd).config);
  try {
    return await fn(conn, conn.client(OrchestrationClient));
  } finally {
    conn.close();
  }
}

/**
 * Pre-provisioned servers leave the stack without their nodes (TripleO's behaviour): with -b they are
 * unprovisioned now, else the command says which nodes stay deployed and how to free them.
 */
async function afterDelete(config: string, stack: string, unprovision: boolean, format: ReturnType<typeof globals>['format']): Promise<void> {
  const nc = nodeClient(config);
  try {
    const left = (await call(nc.conn, nc.client.listInstances, nc.client, { stack })).instances;
    if (left.length === 0) return;
    const names = left.map((i) => `${i.hostname} (node ${i.node?.name})`).join(', ');
    if (!unprovision) {
      process.stderr.write(`the nodes provisioned for ${stack} stay deployed: ${names}; free them with overcloud node unprovision --stack ${stack} --all FILE (or delete with -b FILE)\n`);
      return;
    }
    process.stderr.write(`unprovisioning ${names}\n`);
    const done = await unprovisionAndWait(nc, stack, left.map((i) => i.hostname), 3600, format !== 'table');
    // The stack's view was the command's output; a script reads that one document.
    if (format === 'table') printInstances(format, done);
  } finally {
    nc.conn.close();
  }
}

export function register(program: Command): void {
  program
    .command('status')
    .description('the deployment status of a stack (DEPLOYING, DEPLOY_SUCCESS, DEPLOY_FAILED); --watch follows it')
    .option(...STACK_OPT)
    .option('--watch', 'attach to the action in progress and show live progress until it ends', false)
    .action(async (opts: { stack: string; watch: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await withConn(cmd, async (conn, orch) => {
        let s = await call(conn, orch.getStack, orch, { name: opts.stack });
        if (opts.watch) s = await followStack(conn, opts.stack, { afterId: -1, quiet: g.format !== 'table' });
        const v = stackView(s);
        out(renderData(v, g.format, () => renderFields({ ...v, resources: summarizeCounts(s.resourceCounts) })));
        if (deployFailed(s)) process.exitCode = EXIT.error;
      });
    });

  program
    .command('failures')
    .description('each failed resource of a stack with its error and the tail of the agent log')
    .option(...STACK_OPT)
    .action(async (opts: { stack: string }, cmd: Command) => {
      const g = globals(cmd);
      await withConn(cmd, async (conn, orch) => {
        if (g.format !== 'table') {
          const res = await call(conn, orch.listFailures, orch, { name: opts.stack });
          out(renderData(res.failures, g.format, () => ''));
          return;
        }
        const n = await printFailures(conn, opts.stack);
        if (n === 0) out(`no failed resources in ${opts.stack}\n`);
      });
    });

  program
    .command('delete')
    .description('delete a stack and everything it created (servers are released); a create or update in progress is cancelled first')
    .option(...STACK_OPT)
    .option('-b, --baremetal-deployment <file>', 'then unprovision every node provisioned for the stack (its pre-provisioned servers\' nodes), as TripleO\'s')
    .option('-y, --yes', 'do not ask for confirmation', false)
    .option('--no-wait', 'return once the delete has started')
    .action(async (opts: { stack: string; baremetalDeployment?: string; yes: boolean; wait: boolean }, cmd: Command) => {
      const g = globals(cmd);
      if (opts.baremetalDeployment) {
        readDeployment(opts.baremetalDeployment, opts.stack); // a bad file is said before anything is deleted
        if (!opts.wait) throw new InvalidError('CLI_USAGE', '-b unprovisions once the stack is deleted: it needs the wait (drop --no-wait)');
      }
      const also = opts.baremetalDeployment ? ', and unprovision its provisioned nodes (their disks cleaned)' : '';
      if (!(await confirmed(`Delete stack ${opts.stack} and release its servers${also}?`, `delete stack ${opts.stack}`, opts.yes))) {
        out('not deleted\n');
        return;
      }
      await withConn(cmd, async (conn, orch) => {
        const uc = conn.client(UndercloudClient);
        const { lastEventId } = await call(conn, uc.status, uc, {});
        const s = await call(conn, orch.deleteStack, orch, { name: opts.stack });
        const final = opts.wait ? await followStack(conn, s.id, { afterId: lastEventId, quiet: g.format !== 'table', untilAction: 'DELETE' }) : s;
        out(renderData(stackView(final), g.format, () => `${final.name} ${final.action}_${final.status}\n`));
        if (final.status === 'FAILED') {
          process.exitCode = EXIT.error;
          return;
        }
        if (opts.wait) await afterDelete(g.config, opts.stack, opts.baremetalDeployment !== undefined, g.format);
      });
    });

  program
    .command('credentials')
    .description('write the stack\'s credentials file (STACKrc, from its overcloudrc output) again, as the deploy did')
    .option(...STACK_OPT)
    .option('--directory <dir>', 'where to write STACKrc', '.')
    .action(async (opts: { stack: string; directory: string }, cmd: Command) => {
      const g = globals(cmd);
      await withConn(cmd, async (conn) => {
        const outputs = await stackOutputs(conn, opts.stack);
        const file = writeStackRc(opts.directory, opts.stack, outputs);
        if (!file) throw new InvalidError('NO_CREDENTIALS', `stack ${opts.stack} has no overcloudrc output (its templates do not make one, or it is not created yet)`);
        out(renderData({ file }, g.format, () => `overcloud credentials written to ${file}\n`));
      });
    });

  program
    .command('export')
    .description('write the stack\'s passwords and keys as an environment file (TripleO\'s export): -e it to deploy the stack again with them')
    .option(...STACK_OPT)
    .option('-o, --output-file <file>', 'the file to write (default STACK-export.yaml)')
    .option('-f, --force-overwrite', 'replace the file if it exists', false)
    .action(async (opts: { stack: string; outputFile?: string; forceOverwrite: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const file = path.resolve(opts.outputFile ?? `${opts.stack}-export.yaml`);
      if (existsSync(file) && !opts.forceOverwrite) throw new ConflictError('FILE_EXISTS', `${file} exists; --force-overwrite replaces it`);
      await withConn(cmd, async (conn) => {
        const params = passwordParameters(await stackOutputs(conn, opts.stack));
        if (!params) throw new InvalidError('NO_PASSWORDS', `stack ${opts.stack} has no password_parameters output (its templates do not make one, or it is not created yet)`);
        writeFileAtomically(file, passwordsEnvironment(opts.stack, params), 0o600);
        out(renderData({ file, parameters: Object.keys(params) }, g.format, () => `${Object.keys(params).length} secret parameter(s) of ${opts.stack} written to ${file}\n`));
      });
    });

  const stack = program.command('stack').description('stack details: list, events, outputs, resources; cancel');

  stack
    .command('list')
    .description('the stacks (overclouds) the undercloud holds, with their states')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globals(cmd);
      await withConn(cmd, async (conn, orch) => {
        const res = await call(conn, orch.listStacks, orch, {});
        const views = res.stacks.map(stackView);
        out(renderData(views, g.format, () => renderTable(views, [
          { header: 'Name', get: (s) => s.name },
          { header: 'Stack Status', get: (s) => s.stack_status },
          { header: 'Deployment Status', get: (s) => s.deployment_status },
          { header: 'Updated', get: (s) => s.updated_at },
        ])));
      });
    });

  stack
    .command('events')
    .description('the events of a stack (every resource transition)')
    .option(...STACK_OPT)
    .option('--after <id>', 'only events after this id', '0')
    .option('--limit <n>', 'at most this many', '1000')
    .action(async (opts: { stack: string; after: string; limit: string }, cmd: Command) => {
      const g = globals(cmd);
      await withConn(cmd, async (conn, orch) => {
        const res = await call(conn, orch.listStackEvents, orch, { name: opts.stack, afterId: Number(opts.after), limit: Number(opts.limit) });
        const view = (e: Event) => ({ id: e.id, timestamp: e.timestamp, kind: e.kind, severity: e.severity, message: e.message, data: JSON.parse(e.dataJson || '{}') as unknown });
        out(renderData(res.events.map(view), g.format, () => renderTable(res.events, [
          { header: 'ID', get: (e) => e.id },
          { header: 'Time', get: (e) => e.timestamp },
          { header: 'Event', get: (e) => e.message },
        ])));
      });
    });

  stack
    .command('outputs')
    .description('the outputs of a stack (json: a map of output name to value)')
    .option(...STACK_OPT)
    .action(async (opts: { stack: string }, cmd: Command) => {
      const g = globals(cmd);
      await withConn(cmd, async (conn) => {
        const outputs = await stackOutputs(conn, opts.stack);
        out(renderData(outputs, g.format, () => renderTable(Object.entries(outputs), [
          { header: 'Output', get: ([k]) => k },
          { header: 'Value', get: ([, v]) => v },
        ])));
      });
    });

  stack
    .command('resources')
    .description('the resources of a stack and their states')
    .option(...STACK_OPT)
    .option('--nested', 'include resources of nested stacks', false)
    .action(async (opts: { stack: string; nested: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await withConn(cmd, async (conn, orch) => {
        const res = await call(conn, orch.listResources, orch, { name: opts.stack, nested: opts.nested });
        const view = (r: Resource) => ({ stack: r.stackName, name: r.name, type: r.type, state: `${r.action}_${r.status}`, reason: r.statusReason, physical_id: r.physicalId });
        out(renderData(res.resources.map(view), g.format, () => renderTable(res.resources.map(view), [
          { header: 'Stack', get: (r) => r.stack },
          { header: 'Resource', get: (r) => r.name },
          { header: 'Type', get: (r) => r.type },
          { header: 'State', get: (r) => r.state },
          { header: 'Physical ID', get: (r) => r.physical_id },
        ])));
      });
    });

  registerHooks(stack);

  stack
    .command('cancel')
    .description('stop the action in progress (resources in flight and the stack end FAILED; no rollback)')
    .option(...STACK_OPT)
    .action(async (opts: { stack: string }, cmd: Command) => {
      const g = globals(cmd);
      await withConn(cmd, async (conn, orch) => {
        const res = await call(conn, orch.cancelStack, orch, { name: opts.stack });
        out(renderData(res, g.format, () => (res.cancelled ? `cancelling ${opts.stack}\n` : `nothing in progress on ${opts.stack}\n`)));
      });
    });
}

const HOOK_FLAGS = [['preCreate', 'pre-create'], ['preUpdate', 'pre-update'], ['preDelete', 'pre-delete']] as const;

/** `overcloud stack hook poll STACK` and `overcloud stack hook clear STACK RESOURCE... [--pre-create|--pre-update|--pre-delete]`. */
function registerHooks(stack: Command): void {
  const hook = stack.command('hook').description('breakpoints set with resource_registry hooks: list the paused resources, clear hooks');

  hook
    .command('poll')
    .description('the resources paused at a hook, by their path from the stack (Compute/0/Deployment)')
    .argument('<stack>', 'stack name or id')
    .action(async (name: string, _opts: object, cmd: Command) => {
      const g = globals(cmd);
      await withConn(cmd, async (conn, orch) => {
        const res = await call(conn, orch.listHooks, orch, { name });
        out(renderData(res.hooks, g.format, () => (res.hooks.length === 0 ? `no resource of ${name} is paused at a hook\n` : renderTable(res.hooks, [
          { header: 'Resource', get: (h) => h.resource },
          { header: 'Hook', get: (h) => h.hook },
        ]))));
      });
    });

  hook
    .command('clear')
    .description('clear the hooks of resources (paths may use * ? [..] patterns: "Compute/*/Deployment"); no flag clears whichever hook is pending')
    .argument('<stack>', 'stack name or id')
    .argument('<resource...>', 'resource paths from the stack, levels separated by /')
    .option('--pre-create', 'clear the pre-create hook', false)
    .option('--pre-update', 'clear the pre-update hook', false)
    .option('--pre-delete', 'clear the pre-delete hook', false)
    .action(async (name: string, resources: string[], opts: { preCreate: boolean; preUpdate: boolean; preDelete: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const chosen = HOOK_FLAGS.filter(([k]) => opts[k]).map(([, h]) => h);
      if (chosen.length > 1) throw new Error('give at most one of --pre-create, --pre-update, --pre-delete');
      await withConn(cmd, async (conn, orch) => {
        const cleared: { resource: string; hook: string }[] = [];
        for (const resource of resources) {
          const data = { unset_hook: chosen[0] ?? null };
          const res = await call(conn, orch.signalResource, orch, { handleId: '', dataJson: JSON.stringify(data), stack: name, resource });
          cleared.push(...res.cleared);
        }
        out(renderData(cleared, g.format, () => cleared.map((c) => `cleared ${c.hook} on ${c.resource}\n`).join('')));
      });
    });
}
