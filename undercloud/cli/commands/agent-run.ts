/**
 * `undercloud agent run NODE KIND [--param KEY=VALUE]... [--param KEY:=JSON]... [--param-file KEY=PATH]...
 * [--id STEP_ID] [--timeout S] [--attempts N] [--backoff S] [--wait [S]]`: dispatches one step to a node's
 * agent (RunStep). The step is stored first and sent when the agent is connected. Without --wait the
 * stored step is printed; with --wait the command returns once the step finished and exits 1 when it
 * failed. The same --id again re-attaches to that step (a finished one answers from the store).
 *
 * Parameters follow HTTPie: KEY=VALUE is a string, KEY:=JSON a typed value (always:=true, delay_ms:=500,
 * names:='["a","b"]'); --param-file KEY=PATH reads a string from a file (a script, a config file).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import type { StepInfo } from '../../../proto/gen/undercloud/v1/agents.js';
import { GrpcStatus, UndercloudError } from '../../errors.js';
import { call } from '../common/client.js';
import { EXIT, RemoteError } from '../common/errors.js';
import { renderData, renderFields } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { agentCommand, enrolledNodeId, seconds, stepView, withAgents } from './agent-common.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
/** The daemon's default step timeout (hub.ts) and what --wait adds to a step's budget for [agents] timeout_grace. */
const DEFAULT_TIMEOUT_S = 600;
const WAIT_SLACK_S = 120;

function key(k: string): string {
  if (!KEY.test(k)) throw new InvalidArgumentError(`"${k}" is not a parameter name (letters, digits, '_', '.', '-').`);
  return k;
}

/** KEY=VALUE (a string) or KEY:=JSON (any JSON value). */
export function parseParam(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=VALUE (a string) or KEY:=JSON (a number, true/false, a list, an object).');
  const raw = arg.slice(eq + 1);
  if (!arg.slice(0, eq).endsWith(':')) return [key(arg.slice(0, eq)), raw];
  const k = key(arg.slice(0, eq - 1));
  try {
    return [k, JSON.parse(raw) as unknown];
  } catch {
    throw new InvalidArgumentError(`the value of ${k} is not JSON: ${raw} (for a string, use ${k}=VALUE).`);
  }
}

/** KEY=PATH: the file's content as a string. */
export function parseParamFile(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=PATH.');
  const k = key(arg.slice(0, eq));
  try {
    return [k, readFileSync(arg.slice(eq + 1), 'utf8')];
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${arg.slice(eq + 1)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
}

/** Merges parameters; a key given twice is a mistake worth stopping for. */
export function mergeParams(pairs: readonly [string, unknown][]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of pairs) {
    if (Object.prototype.hasOwnProperty.call(params, k)) throw new InvalidArgumentError(`parameter ${k} is given more than once.`);
    params[k] = v;
  }
  return params;
}

const collect = (parse: (a: string) => [string, unknown]) => (arg: string, prev: [string, unknown][] | undefined) => [...(prev ?? []), parse(arg)];

interface RunOptions {
  param?: [string, unknown][];
  paramFile?: [string, unknown][];
  id?: string;
  timeout?: number;
  attempts?: number;
  backoff?: number;
  wait?: number | true;
}

/** How long --wait waits by default: every attempt's timeout, the backoffs, and the daemon's grace. */
export function waitBudgetS(o: Pick<RunOptions, 'timeout' | 'attempts' | 'backoff'>): number {
  const attempts = o.attempts ?? 1;
  return (o.timeout ?? DEFAULT_TIMEOUT_S) * attempts + (o.backoff ?? 1) * (attempts - 1) + WAIT_SLACK_S;
}

function printStep(s: StepInfo, format: 'table' | 'json' | 'yaml'): void {
  const v = stepView(s);
  out(renderData(v, format, () => {
    const { outputs, ...fields } = v;
    const shown: Record<string, unknown> = { ...fields };
    for (const [k, val] of Object.entries(outputs)) {
      if (k !== 'deploy_stdout' && k !== 'deploy_stderr') shown[`output: ${k}`] = typeof val === 'string' ? val : JSON.stringify(val);
    }
    let text = renderFields(shown);
    for (const [k, title] of [['deploy_stdout', 'stdout'], ['deploy_stderr', 'stderr']] as const) {
      const t = outputs[k];
      if (typeof t === 'string' && t !== '') text += `--- ${title} ---\n${t.endsWith('\n') ? t : `${t}\n`}`;
    }
    return text;
  }));
}

export function register(program: Command): void {
  agentCommand(program)
    .command('run')
    .description('dispatch one step to a node\'s agent (stored first, sent when the agent is connected); --wait returns once it finished')
    .argument('<node>', 'node id, or an enrolled bare-metal node\'s name')
    .argument('<kind>', 'step kind: script, file, package, service, inventory, disk_wipe, disk_export, power_off, reboot')
    .option('-p, --param <key=value>', 'a parameter: KEY=VALUE is a string, KEY:=JSON a typed value (repeatable)', collect(parseParam))
    .option('--param-file <key=path>', 'a string parameter read from a file, e.g. script=./configure.sh (repeatable)', collect(parseParamFile))
    .option('--id <step-id>', 'the step id (default: a new one); an existing id re-attaches to that step')
    .option('--timeout <seconds>', `per-attempt timeout, enforced by the agent (default ${DEFAULT_TIMEOUT_S})`, seconds(1, 7 * 86_400))
    .option('--attempts <n>', 'attempts before the step fails (default 1)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100.');
      return n;
    })
    .option('--backoff <seconds>', 'pause between attempts (default 1)', seconds(1, 3600))
    .option('--wait [seconds]', 'wait until the step finished (at most this long; default: its timeout times its attempts, plus a margin)', seconds(1, 30 * 86_400))
    .action(async (node: string, kind: string, opts: RunOptions, cmd: Command) => {
      const g = globals(cmd);
      let params: Record<string, unknown> = {};
      try {
        params = mergeParams([...(opts.param ?? []), ...(opts.paramFile ?? [])]);
      } catch (err) {
        cmd.error(`error: ${(err as Error).message}`); // a usage error: exit 2
      }
      const stepId = opts.id ?? randomUUID();
      await withAgents(cmd, async (conn, client) => {
        node = await enrolledNodeId(conn, node);
        const agents = await call(conn, client.listAgents, client, {});
        const state = agents.agents.find((a) => a.nodeId === node)?.state;
        if (state !== 'connected') {
          process.stderr.write(`warning: the agent of node ${node} is ${state ? `not connected (${state})` : 'not enrolled'}; the step is stored and sent when it connects\n`);
        }
        const req = {
          nodeId: node, stepId, kind, paramsJson: JSON.stringify(params), timeoutMs: (opts.timeout ?? 0) * 1000,
          maxAttempts: opts.attempts ?? 0, backoffMs: opts.backoff === undefined ? 0 : opts.backoff * 1000, wait: opts.wait !== undefined,
        };
        if (opts.wait === undefined) {
          const s = await call(conn, client.runStep, client, req);
          printStep(s, g.format);
          if (g.format === 'table') process.stderr.write(`follow it with: undercloud agent steps ${node}   or   overcloud node logs ${node} --step ${s.id} --follow\n`);
          return;
        }
        const waitS = opts.wait === true ? waitBudgetS(opts) : opts.wait;
        process.stderr.write(`step ${stepId} (${kind}) dispatched to ${node}; waiting up to ${waitS} s for its result (Ctrl-C stops waiting, not the step)\n`);
        let s: StepInfo;
        try {
          s = await call(conn, client.runStep, client, req, waitS * 1000);
        } catch (err) {
          if (err instanceof RemoteError && err.grpcStatus === GrpcStatus.DEADLINE_EXCEEDED) {
            throw new UndercloudError('WAIT_TIMEOUT', `gave up waiting after ${waitS} s; step ${stepId} goes on. Re-attach with "undercloud agent run ${node} ${kind} --id ${stepId} --wait", or look at "undercloud agent steps ${node}"`, { grpcStatus: GrpcStatus.DEADLINE_EXCEEDED });
          }
          throw err;
        }
        printStep(s, g.format);
        if (s.state === 'failed') {
          process.stderr.write(`undercloud: step ${s.id} failed: ${s.errorCode}: ${s.errorMessage}\n`);
          process.exitCode = EXIT.error;
        }
      });
    });
}
