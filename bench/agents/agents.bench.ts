/**
 * 1000 agents on one daemon, one deployment to all of them. The daemon is the real one (a child process,
 * bin/undercloud daemon); the agents are in-process clients (the agent's own transport, runner and
 * executors), each with its own key, certificate and TLS connection. After every agent enrolled and
 * connected, one `file` step per node is dispatched at once through the operator API (RunStep with wait),
 * and the figures are: time from dispatch until all are complete, daemon RSS (peak), steps per second.
 * AGENTS_BENCH_N overrides the count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AgentsClient, type StepInfo } from '../../proto/gen/undercloud/v1/agents.js';
import { Journal } from '../../overcloud/agent/journal.js';
import { Runner } from '../../overcloud/agent/runner.js';
import { AgentRefusedError, GrpcTransport } from '../../overcloud/agent/transport-grpc.js';
import { executorMap } from '../../overcloud/executors/index.js';
import type { Benchmark } from '../types.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

function unary<T>(client: AgentsClient, method: 'issueEnrollmentToken' | 'runStep' | 'listAgents', req: object, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) =>
    (client[method] as unknown as (r: object, md: Metadata, o: object, cb: (e: ServiceError | null, r: T) => void) => void).call(
      client, req, new Metadata(), { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r)),
    ),
  );
}

async function startDaemon(dir: string, port: number): Promise<ChildProcess> {
  const conf = path.join(dir, 'undercloud.conf');
  writeFileSync(conf, `[DEFAULT]\nstate_dir = ./state\npki_dir = ./pki\nsocket_path = ./run/uc.sock\nlog_file = ./log/undercloud.log\n\n[agents]\nlisten = 127.0.0.1:${port}\nheartbeat_interval = 10\nheartbeat_timeout = 60\n`);
  // AGENTS_BENCH_DAEMON_ARGS: extra node flags for the daemon (e.g. --cpu-prof).
  const nodeArgs = (process.env.AGENTS_BENCH_DAEMON_ARGS ?? '').split(' ').filter(Boolean);
  const p = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bin', 'undercloud'), 'daemon', '--config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
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

export const bench: Benchmark = {
  description: 'agents: 1000 agents (own TLS connection each) on one daemon, one file step dispatched to all',
  async run() {
    const n = Number(process.env.AGENTS_BENCH_N ?? 1000);
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-agents-'));
    const port = await freePort();
    const daemon = await startDaemon(dir, port);
    const stop = new AbortController();
    setMaxListeners(0, stop.signal); // one shared stop signal for every in-process agent
    try {
      const client = new AgentsClient(`unix://${path.join(dir, 'run', 'uc.sock')}`, credentials.createInsecure());
      const caPem = readFileSync(path.join(dir, 'pki', 'ca.crt'), 'utf8');
      const nodes = Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
      const tEnroll = Date.now();
      let connected = 0;
      await pool(nodes, 20, async (nodeId) => {
        const { token } = await unary<{ token: string }>(client, 'issueEnrollmentToken', { nodeId, ttlSeconds: 0 });
        const stateDir = path.join(dir, 'agents', nodeId);
        const transport = new GrpcTransport({ server: `127.0.0.1:${port}`, caPem, nodeId, token, stateDir, mode: 'node', version: 'bench', hostname: nodeId, say: () => undefined });
        const journal = new Journal(stateDir);
        transport.onResultAck = (id) => journal.ack(id);
        const runner = new Runner({ mode: 'node', root: stateDir, dryRun: false, stateDir, executors: executorMap(), journal, sink: transport });
        runner.attach(transport);
        const up = new Promise<void>((resolve) => transport.onConnected(() => {
          connected++;
          resolve();
          transport.onConnected(() => {
            for (const r of journal.unacked()) void transport.result(r, 0);
          });
        }));
        // Enrollment is retried on transient errors (a loaded machine can miss the 30 s deadline).
        for (let attempt = 1; ; attempt++) {
          try {
            await transport.credentials();
            break;
          } catch (err) {
            if (err instanceof AgentRefusedError || attempt >= 5) throw err;
          }
        }
        void transport.run(stop.signal).catch((err: unknown) => console.error(`agent ${nodeId}: ${(err as Error).message}`));
        void up;
      });
      while (connected < n) await new Promise((r) => setTimeout(r, 50));
      const enrollS = (Date.now() - tEnroll) / 1000;
      const idle = rssMb(daemon.pid!);

      let peak = idle.peak;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(daemon.pid!).rss)), 100);
      const t0 = Date.now();
      const results = await Promise.all(nodes.map((nodeId) =>
        unary<StepInfo>(client, 'runStep', {
          nodeId, stepId: `deploy-${nodeId}`, kind: 'file', paramsJson: JSON.stringify({ path: '/etc/undercloud-bench.conf', content: `node = ${nodeId}\n`, mode: '0644' }),
          timeoutMs: 60_000, maxAttempts: 1, backoffMs: 0, wait: true,
        })));
      const elapsed = (Date.now() - t0) / 1000;
      clearInterval(sampler);
      const after = rssMb(daemon.pid!);
      peak = Math.max(peak, after.peak);
      const ok = results.filter((r) => r.state === 'succeeded').length;
      client.close();
      const goalsMet = ok === n && elapsed < 5 && peak < 300;
      return {
        lines: [
          `agents: ${n}, enrolled and connected in ${enrollS.toFixed(1)} s`,
          `dispatch -> all complete: ${elapsed.toFixed(2)} s (goal < 5 s); ${ok}/${n} succeeded`,
          `steps/s: ${(n / elapsed).toFixed(0)}`,
          `daemon RSS: ${idle.rss.toFixed(0)} MB with ${n} idle sessions, peak ${peak.toFixed(0)} MB (goal < 300 MB)`,
        ],
        goalsMet,
        goalNote: goalsMet ? undefined : `succeeded ${ok}/${n}, ${elapsed.toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB`,
      };
    } finally {
      stop.abort();
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
