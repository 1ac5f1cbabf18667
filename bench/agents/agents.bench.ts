/**
 * 1000 agents on one daemon, one deployment to all of them. The daemon is the real one (a child process,
 * bin/undercloud daemon, its store on disk). The agents are the agent's own code (transport, runner,
 * journal, executors) run in process by a few forked client processes (agent-worker.ts), each agent with
 * its own key, certificate and TLS connection, so the client side has more than one event loop and is
 * not what is measured.
 *
 * Enrollment (tokens, key pairs, certificate signing) and the sessions are set up first and are not in
 * the measured window; the daemon is then left to go quiet. The window starts when one `file` step per
 * node is dispatched at once through the operator API (RunStep with wait) and ends when the last result
 * came back. Figures: that time, steps per second, per-step latency, daemon RSS (idle sessions and peak),
 * the CPU time the daemon and the clients used in the window, and how busy the rest of the machine was.
 * Last, the hub alone (hub-only.ts): the daemon's own per-step work without gRPC, little affected by load.
 *
 * Environment: AGENTS_BENCH_N (agents, 1000), AGENTS_BENCH_WORKERS (client processes, 2 to 4 by cores),
 * AGENTS_BENCH_AGENT_DIR (where the agents' state dirs go; default /dev/shm when there is one, since
 * 1000 real nodes fsync 1000 disks, not the bench host's one), AGENTS_BENCH_DAEMON_ARGS and
 * AGENTS_BENCH_WORKER_ARGS (extra node flags, e.g. "--cpu-prof --cpu-prof-dir=DIR"), AGENTS_BENCH_MARKS=1
 * (print the window as CLOCK_MONOTONIC microseconds, to cut a CPU profile to it), AGENTS_BENCH_KEEP=1 (keep
 * the daemon's and the agents' directories).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AgentsClient, type StepInfo } from '../../proto/gen/undercloud/v1/agents.js';
import type { Benchmark, BenchResult } from '../types.js';
import type { WorkerReport, WorkerStart } from './agent-worker.js';
import { cpuMs, machine, machineBusyMs, quiet, rssMb } from './proc.js';
import { hubCostPerStep } from './hub-only.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..', '..');
const WORKER = path.join(HERE, 'agent-worker.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function unary<T>(client: AgentsClient, method: 'issueEnrollmentToken' | 'runStep' | 'listAgents', req: object, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) =>
    (client[method] as unknown as (r: object, md: Metadata, o: object, cb: (e: ServiceError | null, r: T) => void) => void).call(
      client, req, new Metadata(), { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r)),
    ),
  );
}

const flags = (v: string | undefined) => (v ?? '').split(' ').filter(Boolean);

async function startDaemon(dir: string, port: number): Promise<ChildProcess> {
  const conf = path.join(dir, 'undercloud.conf');
  writeFileSync(conf, `[DEFAULT]\nstate_dir = ./state\npki_dir = ./pki\nsocket_path = ./run/uc.sock\nlog_file = ./log/undercloud.log\n\n[agents]\nlisten = 127.0.0.1:${port}\nheartbeat_interval = 10\nheartbeat_timeout = 60\n`);
  const p = spawn(process.execPath, [...flags(process.env.AGENTS_BENCH_DAEMON_ARGS), path.join(ROOT, 'bin', 'undercloud'), 'daemon', '--config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const deadline = Date.now() + 30_000;
  while (!out.includes('undercloud daemon running')) {
    if (p.exitCode !== null || Date.now() > deadline) throw new Error(`the daemon did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return p;
}

async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

function agentRoot(): string {
  const wanted = process.env.AGENTS_BENCH_AGENT_DIR;
  const base = wanted ?? (() => {
    try {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    } catch {
      return tmpdir();
    }
  })();
  mkdirSync(base, { recursive: true });
  return mkdtempSync(path.join(base, 'bench-agents-'));
}

interface Worker {
  proc: ChildProcess;
  connected: number;
  ready: Promise<void>;
}

function startWorker(m: Omit<WorkerStart, 'type'>, onError: (msg: string) => void): Worker {
  const proc = fork(WORKER, [], { execArgv: flags(process.env.AGENTS_BENCH_WORKER_ARGS), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const w: Worker = { proc, connected: 0, ready: Promise.resolve() };
  w.ready = new Promise((resolve, reject) => {
    proc.on('message', (r: WorkerReport) => {
      if (r.type === 'progress' || r.type === 'ready') w.connected = r.connected;
      if (r.type === 'ready') resolve();
      if (r.type === 'error') {
        onError(r.message);
        if (w.connected < m.agents.length) reject(new Error(r.message));
      }
    });
    proc.once('exit', (code) => reject(new Error(`an agent worker exited with ${code}`)));
  });
  w.ready.catch(() => undefined);
  proc.send({ type: 'start', ...m } satisfies WorkerStart);
  return w;
}

async function stopWorker(w: Worker): Promise<void> {
  if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
  const exited = new Promise((r) => w.proc.once('exit', r));
  w.proc.send({ type: 'stop' });
  const t = setTimeout(() => w.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const s = (ms: number) => (ms / 1000).toFixed(2);
const monoUs = () => process.hrtime.bigint() / 1000n;

export const bench: Benchmark = {
  description: 'agents: 1000 agents (own TLS connection each) on one daemon, one file step dispatched to all',
  async run() {
    const n = Number(process.env.AGENTS_BENCH_N ?? 1000);
    const result = await fanOut(n);
    // After the daemon and the agents are gone, so they do not compete with it.
    const hub = await hubCostPerStep(n);
    result.lines.push(`the hub alone (same fan-out in process, fake links, store on disk): ${hub.min.toFixed(2)} ms CPU/step (fastest of 5; median ${hub.median.toFixed(2)})`);
    return result;
  },
};

async function fanOut(n: number): Promise<BenchResult> {
  const m0 = machine();
  const nWorkers = Math.max(1, Number(process.env.AGENTS_BENCH_WORKERS ?? Math.max(2, Math.min(4, m0.cores))));
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-agents-'));
  const agentsDir = agentRoot();
  const port = await freePort();
  const daemon = await startDaemon(dir, port);
  const workers: Worker[] = [];
  const errors: string[] = [];
  const client = new AgentsClient(`unix://${path.join(dir, 'run', 'uc.sock')}`, credentials.createInsecure());
  try {
    const caPem = readFileSync(path.join(dir, 'pki', 'ca.crt'), 'utf8');
    const nodes = Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(4, '0')}`);

    // ---- set-up, not measured: tokens, enrollment, sessions ----
    const tEnroll = Date.now();
    const tokens = new Map<string, string>();
    await pool(nodes, 50, async (nodeId) => {
      tokens.set(nodeId, (await unary<{ token: string }>(client, 'issueEnrollmentToken', { nodeId, ttlSeconds: 0 })).token);
    });
    for (let w = 0; w < nWorkers; w++) {
      const mine = nodes.filter((_, i) => i % nWorkers === w).map((nodeId) => ({ nodeId, token: tokens.get(nodeId)! }));
      if (mine.length === 0) continue;
      workers.push(startWorker({ server: `127.0.0.1:${port}`, caPem, stateRoot: agentsDir, agents: mine, enrollWidth: Math.max(2, Math.ceil(16 / nWorkers)) }, (msg) => {
        if (errors.length < 10) errors.push(msg);
      }));
    }
    await Promise.all(workers.map((w) => w.ready));
    const enrollS = (Date.now() - tEnroll) / 1000;
    const listed = await unary<{ agents: { state: string }[] }>(client, 'listAgents', {});
    const sessions = listed.agents.filter((a) => a.state === 'connected').length;
    if (sessions !== n) throw new Error(`${sessions}/${n} agents connected before the dispatch`);
    await quiet(daemon.pid!);
    const idle = rssMb(daemon.pid!);
    // What 1000 idle sessions cost (heartbeats, keepalives), before anything is dispatched.
    const idleCpu0 = cpuMs(daemon.pid!);
    await new Promise((r) => setTimeout(r, 2000));
    const idleShare = (cpuMs(daemon.pid!) - idleCpu0) / 2000;

    // ---- the measured window: dispatch to all, until every result is back ----
    let peak = idle.peak;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(daemon.pid!).rss)), 100);
    const load0 = machine().load1;
    const pids = [daemon.pid!, ...workers.map((w) => w.proc.pid!)];
    const cpu0 = pids.map(cpuMs);
    const self0 = process.cpuUsage();
    const busy0 = machineBusyMs();
    const mark0 = monoUs();
    const t0 = performance.now();
    const latencies: number[] = [];
    const results = await Promise.all(nodes.map(async (nodeId) => {
      const r = await unary<StepInfo>(client, 'runStep', {
        nodeId, stepId: `deploy-${nodeId}`, kind: 'file', paramsJson: JSON.stringify({ path: '/etc/undercloud-bench.conf', content: `node = ${nodeId}\n`, mode: '0644' }),
        timeoutMs: 60_000, maxAttempts: 1, backoffMs: 0, wait: true,
      });
      latencies.push(performance.now() - t0);
      return r;
    }));
    const elapsedMs = performance.now() - t0;
    const mark1 = monoUs();
    const busy = machineBusyMs() - busy0;
    const self = process.cpuUsage(self0);
    const cpu = pids.map((p, i) => cpuMs(p) - cpu0[i]!);
    const load1 = machine().load1;
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(daemon.pid!).peak);
    if (process.env.AGENTS_BENCH_MARKS) console.error(`window (CLOCK_MONOTONIC us): ${mark0} ${mark1}; wall clock ${new Date(Date.now() - elapsedMs).toISOString()} .. ${new Date().toISOString()}`);

    const ok = results.filter((r) => r.state === 'succeeded').length;
    const daemonCpu = cpu[0]!;
    const agentsCpu = cpu.slice(1).reduce((a, b) => a + b, 0);
    const operatorCpu = (self.user + self.system) / 1000;
    const clientCpu = agentsCpu + operatorCpu;
    const others = Math.max(0, busy - daemonCpu - clientCpu);
    latencies.sort((a, b) => a - b);
    const elapsed = elapsedMs / 1000;
    const goalsMet = ok === n && elapsed < 5 && peak < 300;
    return {
      lines: [
        `agents: ${n} in ${workers.length} client processes (state in ${path.dirname(agentsDir)}); enrolled and connected in ${enrollS.toFixed(1)} s (not measured)`,
        `dispatch -> all complete: ${s(elapsedMs)} s (goal < 5 s); ${ok}/${n} succeeded; per step p50 ${s(pct(latencies, 50))} s, p99 ${s(pct(latencies, 99))} s`,
        `steps/s: ${(n / elapsed).toFixed(0)}`,
        `daemon RSS: ${idle.rss.toFixed(0)} MB with ${n} idle sessions, peak ${peak.toFixed(0)} MB (goal < 300 MB); idle sessions cost ${(idleShare * 100).toFixed(1)} % of a core`,
        `CPU in the window: daemon ${s(daemonCpu)} s (${(daemonCpu / n).toFixed(2)} ms/step), agents ${s(agentsCpu)} s, operator client ${s(operatorCpu)} s, other processes ${s(others)} s (${(others / elapsedMs).toFixed(2)} of ${m0.cores} cores)`,
        `machine: ${m0.cores} cores, load average ${load0.toFixed(2)} before the window, ${load1.toFixed(2)} after`,
        ...(errors.length ? [`agent errors: ${errors.join('; ')}`] : []),
      ],
      goalsMet,
      goalNote: goalsMet ? undefined : `succeeded ${ok}/${n}, ${elapsed.toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB`,
    };
  } finally {
    client.close();
    await Promise.all(workers.map(stopWorker));
    if (daemon.exitCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    if (process.env.AGENTS_BENCH_KEEP) {
      console.error(`kept: ${dir} (daemon), ${agentsDir} (agents)`);
    } else {
      rmSync(dir, { recursive: true, force: true });
      rmSync(agentsDir, { recursive: true, force: true });
    }
  }
}
