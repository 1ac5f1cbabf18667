/**
 * `overcloud support report collect [--stack S] [-o DIR] [--timeout S] [SERVER...]` (TripleO's, which runs
 * sosreport over Ansible): what support asks for first, from every node of a stack at once. Each node's
 * agent runs one collection script (host, failed units, disks, memory, addresses and routes, this boot's
 * warnings and errors from the journal, the agent's own journal, /etc/hosts) as a `script` step; the
 * outputs land in DIR/HOST.txt with a SUMMARY.txt, and DIR.tar.gz holds them all. A node that does not
 * answer in time, or whose script fails, is reported as such and the others are still collected; the
 * command then exits 1. SERVERs are hostnames (what the stack calls them), node names or node ids; without
 * any, every server of the stack's `hostnames` output.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { AgentsClient } from '../../../proto/gen/undercloud/v1/agents.js';
import type { Node } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { NotFoundError } from '../../errors.js';
import { call, type Connection } from '../common/client.js';
import { EXIT } from '../common/errors.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { seconds } from './agent-common.js';
import { instanceInfoOf, nodeClient } from './node-common.js';
import { stackOutputs } from './stack-outputs.js';

const run = promisify(execFile);

/** POSIX sh, every probe tolerant of a missing tool: a report with a gap beats no report. */
export const COLLECT_SCRIPT = `#!/bin/sh
section() { printf '\\n===== %s =====\\n' "$1"; }
section 'host'; hostname 2>&1; uname -a 2>&1; uptime 2>&1; date -u 2>&1
section 'failed units'; systemctl --failed --no-pager 2>&1
section 'disks'; df -h 2>&1; lsblk 2>&1
section 'memory'; free -m 2>&1
section 'addresses'; ip -br addr 2>&1
section 'routes'; ip route 2>&1
section 'journal: warnings and errors of this boot (last 2000 lines)'; journalctl -b -p warning --no-pager 2>&1 | tail -n 2000
section 'journal: the undercloud agent (last 500 lines)'; journalctl -b -u undercloud-agent --no-pager 2>&1 | tail -n 500
section '/etc/hosts'; cat /etc/hosts 2>&1
exit 0
`;

interface Target { host: string; nodeId: string; nodeName: string }
/** Agents by node id: their state (connected or not). */
type AgentStates = Map<string, string>;
interface Collected { host: string; node: string; result: string; bytes: number; file: string | null }

const PARALLEL = 4;

/** The servers to collect from: those named, else every hostname of the stack's `hostnames` output. */
async function targets(conn: Connection, nodes: Node[], agents: AgentStates, stack: string, names: string[]): Promise<Target[]> {
  const byHost = new Map(nodes.map((n) => [String(instanceInfoOf(n).hostname ?? ''), n]));
  const of = (n: Node, host?: string): Target => ({ host: host || String(instanceInfoOf(n).hostname ?? '') || n.name, nodeId: n.id, nodeName: n.name });
  if (names.length > 0) {
    return names.map((name) => {
      const n = nodes.find((x) => x.name === name || x.id === name) ?? byHost.get(name);
      // A node the agents know that is no bare-metal node of ours (a pre-provisioned server running our agent).
      if (!n && agents.has(name)) return { host: name, nodeId: name, nodeName: name };
      if (!n) throw new NotFoundError('SERVER_NOT_FOUND', `no node or deployed server is called ${name} (overcloud node list shows the names and hostnames)`);
      return of(n);
    });
  }
  const outputs = (await stackOutputs(conn, stack)) as { hostnames?: Record<string, string[]> };
  const hosts = Object.values(outputs.hostnames ?? {}).flat().filter((h) => typeof h === 'string' && h !== '');
  if (hosts.length === 0) throw new NotFoundError('NO_SERVERS', `stack ${stack} has no servers in its hostnames output; name the nodes to collect from`);
  return hosts.map((h) => {
    const n = byHost.get(h);
    if (!n) throw new NotFoundError('SERVER_NOT_FOUND', `server ${h} of stack ${stack} runs on no node the undercloud deployed (a pre-provisioned server has no agent of ours): name the nodes to collect from`);
    return of(n, h);
  });
}

async function collectOne(conn: Connection, t: Target, state: string | undefined, dir: string, stamp: string, timeoutS: number): Promise<Collected> {
  // Not dispatched to an agent that is away: the step would run whenever it comes back, long after the report.
  if (state !== 'connected') return { host: t.host, node: t.nodeName, result: `no answer: its agent is ${state ?? 'not enrolled'}`, bytes: 0, file: null };
  const agents = conn.client(AgentsClient);
  const req = {
    nodeId: t.nodeId, stepId: `support-report-${stamp}-${t.nodeName}`, kind: 'script', paramsJson: JSON.stringify({ script: COLLECT_SCRIPT, always: true }),
    timeoutMs: timeoutS * 1000, maxAttempts: 1, backoffMs: 0, wait: true,
  };
  try {
    const s = await call(conn, agents.runStep, agents, req, (timeoutS + 30) * 1000);
    const outputs = JSON.parse(s.outputsJson || '{}') as { deploy_stdout?: string; deploy_stderr?: string };
    const text = `${outputs.deploy_stdout ?? ''}${outputs.deploy_stderr ? `\n===== stderr =====\n${outputs.deploy_stderr}` : ''}`;
    if (s.state !== 'succeeded' && text === '') return { host: t.host, node: t.nodeName, result: `failed: ${s.errorCode}: ${s.errorMessage}`, bytes: 0, file: null };
    const file = path.join(dir, `${t.host}.txt`);
    writeFileSync(file, text);
    return { host: t.host, node: t.nodeName, result: s.state === 'succeeded' ? 'ok' : `failed: ${s.errorCode}: ${s.errorMessage}`, bytes: Buffer.byteLength(text), file };
  } catch (err) {
    return { host: t.host, node: t.nodeName, result: `no answer: ${(err as Error).message}`, bytes: 0, file: null };
  }
}

export function register(program: Command): void {
  program
    .command('support')
    .description('support reports (TripleO\'s)')
    .command('report')
    .description('collect what support asks for from the nodes')
    .command('collect')
    .description('collect host state and logs from every server of a stack (or those named) through their agents, into a folder and a .tar.gz')
    .argument('[servers...]', 'hostnames, node names or node ids (default: every server of the stack)')
    .option('--stack <name>', 'the stack whose servers to collect from', 'overcloud')
    .option('-o, --output <dir>', 'the folder to write (default ./support-report-STAMP)')
    .option('--timeout <seconds>', 'how long each node may take', seconds(10, 3600), 300)
    .action(async (names: string[], opts: { stack: string; output?: string; timeout: number }, cmd: Command) => {
      const g = globals(cmd);
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const dir = path.resolve(opts.output ?? `support-report-${stamp}`);
      const nc = nodeClient(g.config);
      try {
        const ac = nc.conn.client(AgentsClient);
        const agents: AgentStates = new Map((await call(nc.conn, ac.listAgents, ac, {})).agents.map((a) => [a.nodeId, a.state]));
        const nodes = (await call(nc.conn, nc.client.listNodes, nc.client, { provisionState: '' })).nodes;
        const chosen = await targets(nc.conn, nodes, agents, opts.stack, names);
        mkdirSync(dir, { recursive: true, mode: 0o700 }); // journals can hold secrets
        const results: Collected[] = [];
        for (let i = 0; i < chosen.length; i += PARALLEL) {
          results.push(...(await Promise.all(chosen.slice(i, i + PARALLEL).map((t) => collectOne(nc.conn, t, agents.get(t.nodeId), dir, stamp, opts.timeout)))));
        }
        writeFileSync(path.join(dir, 'SUMMARY.txt'), results.map((r) => `${r.host}\t${r.node}\t${r.result}\n`).join(''));
        const archive = `${dir}.tar.gz`;
        await run('tar', ['-C', path.dirname(dir), '-czf', archive, path.basename(dir)]);
        out(renderData({ directory: dir, archive, nodes: results }, g.format, () => renderTable(results, [
          { header: 'Host', get: (r) => r.host },
          { header: 'Node', get: (r) => r.node },
          { header: 'Result', get: (r) => r.result },
          { header: 'Bytes', get: (r) => String(r.bytes) },
        ]) + `report: ${archive}\n`));
        if (results.some((r) => r.result !== 'ok')) process.exitCode = EXIT.error;
      } finally {
        nc.conn.close();
      }
    });
}
