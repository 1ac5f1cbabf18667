/**
 * Runs work over a dependency graph (Heat's DependencyTaskGroup): a node starts once everything it requires
 * has finished; independent nodes run at the same time. On the first failure nothing new starts, running
 * work is awaited, and the first error is thrown. Concurrency of the actual work is bounded by a Semaphore
 * the caller holds around leaf actions, so nested stacks (which wait on their children) never hold a slot.
 */
import type { Graph } from '../graph/graph.js';

export async function runGraph(graph: Graph, run: (node: string) => Promise<void>, signal: AbortSignal): Promise<void> {
  graph.assertAcyclic();
  const waiting = new Map<string, number>();
  for (const n of graph.nodes) waiting.set(n, graph.requires(n).size);
  let failure: unknown;
  let running = 0;
  let finished = 0;
  const total = graph.size;
  if (total === 0) return;
  return new Promise<void>((resolve, reject) => {
    const settle = () => {
      if (running > 0) return;
      if (failure !== undefined) reject(failure);
      else if (signal.aborted) reject(signal.reason);
      else if (finished === total) resolve();
    };
    const start = (n: string) => {
      running++;
      run(n).then(
        () => {
          running--;
          finished++;
          if (failure === undefined && !signal.aborted) {
            for (const m of graph.requiredBy(n)) {
              const left = waiting.get(m)! - 1;
              waiting.set(m, left);
              if (left === 0) start(m);
            }
          }
          settle();
        },
        (err: unknown) => {
          running--;
          failure ??= err;
          settle();
        },
      );
    };
    for (const n of graph.nodes) if (waiting.get(n) === 0) start(n);
  });
}

/** A counting semaphore for the engine-wide concurrency cap. */
export class Semaphore {
  private available: number;
  private readonly queue: (() => void)[] = [];

  constructor(readonly size: number) {
    this.available = size;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.queue.indexOf(grant);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal!.reason);
      };
      this.queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.available++;
  }

  async with<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/** Sleeps `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
