/**
 * Runs long operations on the daemon's behalf and keeps the record straight: an operation row is written
 * before the work starts, finished when it ends, and marked `interrupted` when a graceful shutdown stops it.
 * At start-up, `recover()` handles every unfinished row deterministically: a kind with a registered resumer
 * is resumed (the resumer reads what it saved with `saveProgress`); every other kind is failed with a reason
 * that says the daemon restarted. Nothing is left "running" forever.
 */
import type { Store } from '../store/store.js';
import type { Operation } from '../store/operations.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from './logging.js';

export interface OperationHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  /** Saves what a resumer needs to continue (handles, offsets); written to the store at once. */
  saveProgress(detail: Record<string, unknown>): void;
}

export type OperationBody<T> = (op: OperationHandle) => Promise<T>;
/** Continues an operation that a previous daemon left unfinished. Throwing fails it. */
export type Resumer = (op: Operation, handle: OperationHandle) => Promise<void>;

export class OperationRunner {
  private readonly active = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private readonly resumers = new Map<string, Resumer>();

  constructor(private readonly store: Store, private readonly bus: EventBus, private readonly log: Logger, private readonly shutdown: AbortSignal) {}

  registerResumer(kind: string, resumer: Resumer): void {
    this.resumers.set(kind, resumer);
  }

  get runningCount(): number {
    return this.active.size;
  }

  /** Records and runs `body`; resolves with its result. The record is final before the promise settles. */
  run<T>(kind: string, subject: { type?: string; id?: string }, detail: Record<string, unknown>, body: OperationBody<T>): Promise<T> {
    const op = this.store.operations.begin(kind, subject, detail);
    return this.execute(op, body);
  }

  private execute<T>(op: Operation, body: OperationBody<T>): Promise<T> {
    const controller = new AbortController();
    const onShutdown = () => controller.abort(new Error('daemon shutting down'));
    if (this.shutdown.aborted) onShutdown();
    else this.shutdown.addEventListener('abort', onShutdown, { once: true });
    const handle: OperationHandle = {
      id: op.id,
      signal: controller.signal,
      saveProgress: (d) => this.store.operations.updateDetail(op.id, d),
    };
    const done = (async () => {
      try {
        const result = await body(handle);
        this.store.operations.finish(op.id, 'succeeded');
        return result;
      } catch (err) {
        if (this.shutdown.aborted) {
          this.store.operations.interrupt(op.id, 'daemon shut down before the operation finished');
        } else {
          this.store.operations.finish(op.id, controller.signal.aborted ? 'cancelled' : 'failed', (err as Error).message);
        }
        throw err;
      } finally {
        this.shutdown.removeEventListener('abort', onShutdown);
        this.active.delete(op.id);
      }
    })();
    this.active.set(op.id, { controller, done });
    return done;
  }

  cancel(id: string): boolean {
    const a = this.active.get(id);
    if (!a) return false;
    a.controller.abort(new Error('cancelled by the operator'));
    return true;
  }

  /** Waits for running operations to settle, at most `ms`; the rest are marked interrupted. */
  async drain(ms: number): Promise<void> {
    const all = [...this.active.entries()];
    await Promise.race([Promise.allSettled(all.map(([, a]) => a.done)), new Promise((r) => setTimeout(r, ms).unref())]);
    for (const [id] of this.active) this.store.operations.interrupt(id, `daemon shut down; the operation did not stop within ${ms} ms`);
  }

  /** Resumes or fails every operation a previous daemon left unfinished. Returns what it did, by id. */
  recover(): Map<string, 'resumed' | 'failed'> {
    const outcome = new Map<string, 'resumed' | 'failed'>();
    for (const op of this.store.operations.unfinished()) {
      const resumer = this.resumers.get(op.kind);
      const how = op.state === 'running' ? 'the daemon stopped unexpectedly (killed or crashed)' : 'the daemon was shut down';
      if (!resumer) {
        const reason = `${how} while this ${op.kind} operation was in progress; it was not resumed because ${op.kind} operations cannot be resumed safely. Run it again.`;
        this.store.tx(() => {
          this.store.operations.finish(op.id, 'failed', reason);
          this.bus.publish({ kind: 'operation.failed', subjectType: op.subjectType, subjectId: op.subjectId, severity: 'error', message: reason, data: { operationId: op.id, kind: op.kind } });
        });
        this.log.warn('failed an unfinished operation at start-up', { operationId: op.id, kind: op.kind });
        outcome.set(op.id, 'failed');
        continue;
      }
      this.store.tx(() => {
        this.store.operations.adopt(op.id);
        this.bus.publish({ kind: 'operation.resumed', subjectType: op.subjectType, subjectId: op.subjectId, message: `resuming ${op.kind} after ${how}`, data: { operationId: op.id, kind: op.kind } });
      });
      this.log.info('resuming an unfinished operation', { operationId: op.id, kind: op.kind });
      this.execute(op, (h) => resumer(op, h)).catch((err: Error) => this.log.error('resumed operation failed', { operationId: op.id, error: err.message }));
      outcome.set(op.id, 'resumed');
    }
    return outcome;
  }
}
