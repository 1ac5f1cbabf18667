/**
 * One client process of the agents benchmark (forked by agents.bench.ts). It runs its share of the agents
 * in process: the agent's own transport, runner, journal and executors, each agent with its own key,
 * certificate and TLS connection. The parent sends `start` with the agents and their tokens; the worker
 * enrolls them (a few at a time), keeps their sessions up, reports `ready` once every one was welcomed,
 * and on `stop` closes them and reports its CPU time.
 */
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { Journal } from '../../overcloud/agent/journal.js';
import { Runner } from '../../overcloud/agent/runner.js';
import { AgentRefusedError, GrpcTransport } from '../../overcloud/agent/transport-grpc.js';
import { executorMap } from '../../overcloud/executors/index.js';

export interface WorkerStart {
  type: 'start';
  server: string;
  caPem: string;
  stateRoot: string;
  agents: { nodeId: string; token: string }[];
  /** Enrollments in flight at once in this worker. */
  enrollWidth: number;
}

export type WorkerReport =
  | { type: 'progress'; connected: number }
  | { type: 'ready'; connected: number }
  | { type: 'error'; message: string };

const send = (m: WorkerReport) => process.send?.(m);
const stop = new AbortController();
setMaxListeners(0, stop.signal); // one stop signal shared by every agent of this worker

async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

async function start(m: WorkerStart): Promise<void> {
  let connected = 0;
  let lastReport = 0;
  await pool(m.agents, m.enrollWidth, async ({ nodeId, token }) => {
    const stateDir = path.join(m.stateRoot, nodeId);
    const transport = new GrpcTransport({ server: m.server, caPem: m.caPem, nodeId, token, stateDir, mode: 'node', version: 'bench', hostname: nodeId, say: () => undefined });
    const journal = new Journal(stateDir);
    transport.onResultAck = (id) => journal.ack(id);
    const runner = new Runner({ mode: 'node', root: stateDir, dryRun: false, stateDir, executors: executorMap(), journal, sink: transport });
    runner.attach(transport);
    // The transport has one connected handler: count the first welcome, then behave as the runner does.
    transport.onConnected(() => {
      connected++;
      if (connected === m.agents.length || Date.now() - lastReport > 1000) {
        lastReport = Date.now();
        send({ type: connected === m.agents.length ? 'ready' : 'progress', connected });
      }
      transport.onConnected(() => {
        for (const r of journal.unacked()) void transport.result(r, 0);
      });
    });
    // Enrollment is retried on transient errors (a loaded machine can miss the 30 s deadline).
    for (let attempt = 1; ; attempt++) {
      try {
        await transport.credentials();
        break;
      } catch (err) {
        if (err instanceof AgentRefusedError || attempt >= 5) throw err;
      }
    }
    void transport.run(stop.signal).catch((err: unknown) => send({ type: 'error', message: `agent ${nodeId}: ${(err as Error).message}` }));
  });
}

process.on('message', (m: WorkerStart | { type: 'stop' }) => {
  if (m.type === 'start') {
    start(m).catch((err: unknown) => send({ type: 'error', message: (err as Error).stack ?? String(err) }));
    return;
  }
  stop.abort();
  // Let the agents' streams close, then leave (the parent does not wait longer than that).
  setTimeout(() => process.exit(0), 300).unref();
  process.disconnect?.();
});
