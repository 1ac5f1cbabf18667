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

interface Waiter {
  settled: boolean;
  grant: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
}

/**
 * A counting semaphore for the engine-wide concurrency cap. Thousands of waiters are expected at once, so
 * the queue has a moving head (Array.shift would copy it on every release) and waiters on the same signal
 * share one abort listener (EventTarget.addEventListener is linear in the listeners already there).
 */
export class Semaphore {
  private available: number;
  private queue: (Waiter | undefined)[] = [];
  private head = 0;
  private readonly bySignal = new WeakMap<AbortSignal, Set<Waiter>>();

  constructor(readonly size: number) {
    this.available = size;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.available > 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { settled: false, grant: resolve, reject, signal };
      this.queue.push(waiter);
      if (signal) this.waitersOf(signal).add(waiter);
    });
  }

  release(): void {
    while (this.head < this.queue.length) {
      const next = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (next && !next.settled) {
        next.settled = true;
        if (next.signal) this.bySignal.get(next.signal)?.delete(next);
        return next.grant();
      }
    }
    this.available++;
  }

  async with<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private waitersOf(signal: AbortSignal): Set<Waiter> {
    let set = this.bySignal.get(signal);
    if (!set) {
      const waiters = new Set<Waiter>();
      set = waiters;
      this.bySignal.set(signal, waiters);
      signal.addEventListener('abort', () => {
        for (const w of waiters) {
          w.settled = true;
          w.reject(signal.reason);
        }
        waiters.clear();
      }, { once: true });
    }
    return set;
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
