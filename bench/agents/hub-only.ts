/**
 * The hub alone, in this process: the same fan-out as agents.bench.ts (one `file` step to each of N
 * connected agents; each agent acks, sends one log chunk and its result) with fake links instead of gRPC,
 * on an on-disk store as the daemon runs it. What it measures is the daemon's own per-step work (store
 * writes, bookkeeping, events) without the transport; run a few times, the fastest run is little affected
 * by the rest of the machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import winston from 'winston';
import { Store } from '../../undercloud/store/store.js';
import { AgentsRepo } from '../../undercloud/store/agents.js';
import { StepsRepo } from '../../undercloud/store/steps.js';
import { EventBus } from '../../undercloud/events/event-bus.js';
import { Hub } from '../../undercloud/agents/hub.js';
import type { Enrollment } from '../../undercloud/agents/enrollment.js';
import type { AgentLink, HubEvent } from '../../undercloud/agents/events.js';
import type { SessionHandle } from '../../undercloud/agents/hub.js';

const turn = () => new Promise((r) => setImmediate(r));
/** Agents whose messages arrive in one event-loop turn (1000 sockets' reads spread over turns). */
const PER_TURN = 50;

async function once(n: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-hub-'));
  const store = Store.open(path.join(dir, 'undercloud.sqlite'));
  const log = winston.createLogger({ transports: [new winston.transports.Console({ silent: true })] });
  const agents = new AgentsRepo(store);
  const steps = new StepsRepo(store);
  const config = { listen: undefined, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 60_000, tokenTtlSeconds: 3600, certTtlDays: 1, maxInflightSteps: 4096, timeoutGraceMs: 30_000 };
  const hub = new Hub({ config, agents, steps, enrollment: {} as Enrollment, bus: new EventBus(store), log });
  try {
    const sessions: { nodeId: string; h: SessionHandle; sent: HubEvent[] }[] = [];
    for (let i = 0; i < n; i++) {
      const nodeId = `bench-${i}`;
      agents.enroll(nodeId, `serial-${i}`, new Date(Date.now() + 86_400_000));
      const sent: HubEvent[] = [];
      const link: AgentLink = { send: (ev) => sent.push(ev), close: () => undefined };
      const h = hub.attach({ nodeId, serial: `serial-${i}` }, link);
      h.receive({ type: 'hello', mode: 'node', version: 'bench', hostname: nodeId });
      sessions.push({ nodeId, h, sent });
    }
    await turn();
    const c0 = process.cpuUsage();
    const all = Promise.all(sessions.map((s) => hub.dispatch(s.nodeId, { id: `deploy-${s.nodeId}`, kind: 'file', params: { path: '/etc/undercloud-bench.conf', content: `node = ${s.nodeId}\n`, mode: '0644' }, timeoutMs: 60_000 })));
    while (!sessions.every((s) => s.sent.some((e) => e.type === 'step'))) await turn();
    for (let i = 0; i < n; i += PER_TURN) {
      const slice = sessions.slice(i, i + PER_TURN);
      for (const s of slice) {
        s.h.receive({ type: 'ack', stepId: `deploy-${s.nodeId}`, attempt: 1 });
        s.h.receive({ type: 'log', stepId: `deploy-${s.nodeId}`, seq: 1, stream: 'agent', data: 'wrote /etc/undercloud-bench.conf (16 bytes)\n' });
      }
      await turn();
      for (const s of slice) s.h.receive({ type: 'result', stepId: `deploy-${s.nodeId}`, outcome: { success: true, changed: true, outputs: { path: '/etc/undercloud-bench.conf' }, attempts: 1 } });
      await turn();
    }
    const results = await all;
    for (const r of results) steps.get(r.stepId); // RunStep with wait answers from the store
    const c = process.cpuUsage(c0);
    if (results.some((r) => !r.success)) throw new Error('a step failed');
    return (c.user + c.system) / 1000 / n;
  } finally {
    hub.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The hub's CPU time per step: the fastest and the median of `rounds` runs, in milliseconds. */
export async function hubCostPerStep(n: number, rounds = 5): Promise<{ min: number; median: number }> {
  const costs: number[] = [];
  for (let i = 0; i < rounds; i++) costs.push(await once(n));
  costs.sort((a, b) => a - b);
  return { min: costs[0]!, median: costs[Math.floor(costs.length / 2)]! };
}
