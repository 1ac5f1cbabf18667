/**
 * Shared set-up for the agent integration tests: a real daemon (tests/helpers/daemon.ts) with its agent
 * endpoint on a free loopback port, the operator Agents client over the daemon socket, and real agent
 * processes (the bundled dist/agent/undercloud-agent.cjs run with `node`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { AgentsClient, type LogLine, type RunStepRequest, type StepInfo } from '../../../proto/gen/undercloud/v1/agents.js';
import { ROOT, readLog, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';

/** Agent state dirs this run created; removed by lab.close(). */
const createdDirs: string[] = [];

export const AGENT_BUNDLE = path.join(ROOT, 'dist', 'agent', 'undercloud-agent.cjs');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface AgentLab {
  daemon: TestDaemon;
  port: number;
  client: AgentsClient;
  caFile: string;
  token(nodeId: string, ttlSeconds?: number): Promise<string>;
  run(req: Partial<RunStepRequest> & { nodeId: string; kind: string }): Promise<StepInfo>;
  logs(nodeId: string, stepId?: string): Promise<LogLine[]>;
  restartDaemon(kill?: boolean): Promise<void>;
  close(): Promise<void>;
}

/** `extraConfig`: further undercloud.conf sections (e.g. `[orchestration]`). */
export async function startLab(agentsConfig: Record<string, string> = {}, extraConfig = ''): Promise<AgentLab> {
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`the agent bundle ${AGENT_BUNDLE} is missing: run "npm run build" (it runs scripts/bundle-agent.mjs)`);
  const port = await freePort();
  const conf = { listen: `127.0.0.1:${port}`, heartbeat_interval: '0.2', heartbeat_timeout: '3', timeout_grace: '1', ...agentsConfig };
  const daemon = await startTestDaemon({ extraConfig: '[agents]\n' + Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join('\n') + (extraConfig ? `\n\n${extraConfig}` : '') });
  const lab: AgentLab = {
    daemon, port, caFile: path.join(daemon.dir, 'pki', 'ca.crt'),
    client: daemon.client(AgentsClient),
    token: (nodeId, ttlSeconds = 0) => unary(lab.client, 'issueEnrollmentToken', { nodeId, ttlSeconds }).then((r) => (r as { token: string }).token),
    run: (req) => unary(lab.client, 'runStep', { stepId: '', paramsJson: '{}', timeoutMs: 30_000, maxAttempts: 1, backoffMs: 0, wait: true, ...req }) as Promise<StepInfo>,
    logs: (nodeId, stepId = '') =>
      new Promise((resolve, reject) => {
        const lines: LogLine[] = [];
        const s = lab.client.nodeLogs({ nodeId, stepId, follow: false });
        s.on('data', (l: LogLine) => lines.push(l));
        s.on('end', () => resolve(lines));
        s.on('error', reject);
      }),
    async restartDaemon(kill = false) {
      if (kill) await daemon.kill();
      await daemon.restart();
      lab.client = daemon.client(AgentsClient);
    },
    async close() {
      await daemon.stop();
      daemon.cleanup();
      for (const d of createdDirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
  return lab;
}

type Method = 'issueEnrollmentToken' | 'runStep' | 'listAgents' | 'revokeAgent' | 'listSteps';
export function unary(client: AgentsClient, method: Method, req: object, timeoutMs = 60_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    (client[method] as unknown as (r: object, md: Metadata, o: object, cb: (e: ServiceError | null, r: unknown) => void) => void).call(
      client, req, new Metadata(), { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r)),
    );
  });
}

export interface AgentProcess {
  proc: ChildProcess;
  stateDir: string;
  output: () => string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startAgent(lab: AgentLab, o: { nodeId: string; token?: string; stateDir?: string; mode?: 'node' | 'ramdisk'; root?: string; dryRun?: boolean; env?: NodeJS.ProcessEnv; caFile?: string }): AgentProcess {
  const stateDir = o.stateDir ?? mkdtempSync(path.join(tmpdir(), `agent-${o.nodeId}-`));
  if (!o.stateDir) createdDirs.push(stateDir);
  mkdirSync(stateDir, { recursive: true });
  const args = [AGENT_BUNDLE, '--server', `127.0.0.1:${lab.port}`, '--ca-file', o.caFile ?? lab.caFile, '--node-id', o.nodeId, '--state-dir', stateDir, '--mode', o.mode ?? 'node'];
  if (o.token) args.push(`--token=${o.token}`);
  if (o.root) args.push('--root', o.root);
  if (o.dryRun) args.push('--dry-run');
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
  let buf = '';
  proc.stdout!.on('data', (b: Buffer) => (buf += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (buf += b.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc, stateDir, output: () => buf, exited,
    kill: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function agentState(lab: AgentLab, nodeId: string): Promise<string | undefined> {
  const r = (await unary(lab.client, 'listAgents', {})) as { agents: { nodeId: string; state: string }[] };
  return r.agents.find((a) => a.nodeId === nodeId)?.state;
}

/**
 * Waits until every named agent's session is up. On a timeout the error carries what explains it: each
 * agent's own output (enrollment refusals, TLS errors, a crash) and the tail of the daemon's log.
 */
export async function waitConnected(lab: AgentLab, agents: Record<string, AgentProcess>, ms = 60_000): Promise<void> {
  const ids = Object.keys(agents);
  try {
    await waitUntil(async () => {
      for (const id of ids) if ((await agentState(lab, id)) !== 'connected') return false;
      return true;
    }, ms, `${ids.join(', ')} to connect`);
  } catch (err) {
    const states = await Promise.all(ids.map(async (id) => `${id}: ${(await agentState(lab, id).catch((e: Error) => e.message)) ?? 'no session'}`));
    const outputs = ids.map((id) => {
      const a = agents[id]!;
      const exit = a.proc.exitCode !== null || a.proc.signalCode !== null ? ` (exited ${a.proc.exitCode ?? a.proc.signalCode})` : ' (running)';
      return `--- agent ${id}${exit}:\n${a.output().split('\n').slice(-40).join('\n')}`;
    });
    const log = readLog(lab.daemon).split('\n').slice(-40).join('\n');
    throw new Error(`${(err as Error).message}\nstates: ${states.join('; ')}\n${outputs.join('\n')}\n--- daemon log tail:\n${log}`);
  }
}
