/**
 * `npm run bench -- orchestration`: the overcloud plan with fake servers and fake agents, on an
 * on-disk store (WAL, as the daemon runs it). Prints create time, no-op update time and peak RSS for
 * N=100 (the size Heat 19 was measured at) and N=1000 (about 11,000 resources). Goals: < 5 s, < 1 s, < 500 MB.
 * BENCH_ORCHESTRATION_N=200 picks another N.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Benchmark, BenchResult } from '../types.js';
import { Store } from '../../undercloud/store/store.js';
import { EventBus } from '../../undercloud/events/event-bus.js';
import { OperationRunner } from '../../undercloud/daemon/operations.js';
import { silentLogger } from '../../undercloud/daemon/logging.js';
import { StackEngine, DEFAULT_ENGINE_OPTIONS } from '../../undercloud/orchestration/engine/engine.js';
import { FakeAgent, FakeServers } from '../../undercloud/orchestration/resources/index.js';
import { benchBundle, resourceCount } from './plan.js';

const HEAT_CREATE_S = 97;
const HEAT_NOOP_S = 98;

interface Figures { n: number; resources: number; createMs: number; createCpuMs: number; noopMs: number; scaleMs: number; rssMb: number; status: string }

async function runOnce(n: number): Promise<Figures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'uc-bench-orch-'));
  const store = Store.open(path.join(dir, 'undercloud.db'));
  const bus = new EventBus(store);
  const log = silentLogger();
  const shutdown = new AbortController();
  const ops = new OperationRunner(store, bus, log, shutdown.signal);
  const engine = new StackEngine(store, bus, log, ops, { servers: new FakeServers(), agent: new FakeAgent({ keepRequests: false }) }, shutdown.signal, DEFAULT_ENGINE_OPTIONS);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const params = { ComputeCount: n, StorageCount: Math.floor(n / 10) };
    let t = performance.now();
    const cpu0 = process.cpuUsage();
    engine.createStack({ name: 'overcloud', bundle: benchBundle(), parameters: params });
    let s = (await engine.wait('overcloud'))!;
    const createMs = performance.now() - t;
    const cpu1 = process.cpuUsage(cpu0);
    const createCpuMs = (cpu1.user + cpu1.system) / 1000;
    if (s.status !== 'COMPLETE') throw new Error(`create ended ${s.action}_${s.status}: ${s.statusReason}`);
    t = performance.now();
    engine.updateStack({ name: 'overcloud', bundle: benchBundle(), parameters: params });
    s = (await engine.wait('overcloud'))!;
    const noopMs = performance.now() - t;
    if (s.status !== 'COMPLETE') throw new Error(`no-op update ended ${s.action}_${s.status}: ${s.statusReason}`);
    t = performance.now();
    engine.updateStack({ name: 'overcloud', bundle: benchBundle(), parameters: { ...params, ComputeCount: n + 10 } });
    s = (await engine.wait('overcloud'))!;
    const scaleMs = performance.now() - t;
    const counts = engine.get('overcloud').counts;
    const resources = Object.values(counts).reduce((a, b) => a + b, 0);
    const expected = resourceCount(n) + 10 * 10;
    if (resources !== expected) throw new Error(`expected ${expected} resources after scaling, found ${resources}`);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { n, resources: resourceCount(n), createMs, createCpuMs, noopMs, scaleMs, rssMb: peak / 1024 / 1024, status: `${s.action}_${s.status}` };
  } finally {
    clearInterval(sampler);
    shutdown.abort();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const bench: Benchmark = {
  description: 'orchestration: overcloud plan (3 Controller, N Compute, N/10 Storage; ~10 resources per member), fake servers and agents',
  async run(): Promise<BenchResult> {
    const sizes = process.env.BENCH_ORCHESTRATION_N ? [Number(process.env.BENCH_ORCHESTRATION_N)] : [100, 1000];
    const lines: string[] = [];
    let met = true;
    const notes: string[] = [];
    for (const n of sizes) {
      const f = await runOnce(n);
      lines.push(
        `N=${n}: ${f.resources} resources: create ${(f.createMs / 1000).toFixed(2)} s (CPU ${(f.createCpuMs / 1000).toFixed(2)} s), no-op update ${(f.noopMs / 1000).toFixed(3)} s, scale +10 computes ${(f.scaleMs / 1000).toFixed(2)} s, peak RSS ${f.rssMb.toFixed(0)} MB`,
      );
      if (n === 100) lines.push(`  peer Heat 19 (heat-all, sqlite, 1 engine worker) at N=100: create ${HEAT_CREATE_S} s, no-op update ${HEAT_NOOP_S} s`);
      if (n >= 1000) {
        if (f.createMs >= 5000) notes.push(`create ${(f.createMs / 1000).toFixed(2)} s >= 5 s`);
        if (f.noopMs >= 1000) notes.push(`no-op update ${(f.noopMs / 1000).toFixed(2)} s >= 1 s`);
        if (f.rssMb >= 500) notes.push(`RSS ${f.rssMb.toFixed(0)} MB >= 500 MB`);
        met = notes.length === 0;
      }
    }
    lines.push('  goals at N=1000: create < 5 s, no-op update < 1 s, RSS < 500 MB (RSS is the benchmark process, which runs the engine in-process as the daemon does)');
    return { lines, goalsMet: met, ...(notes.length ? { goalNote: notes.join('; ') } : {}) };
  },
};
