import type { DaemonConfig } from './config.js';
import type { Logger } from './logging.js';
import type { Store } from '../store/store.js';
import type { EventBus } from '../events/event-bus.js';
import type { OperationRunner } from './operations.js';

/** Daemon lifecycle, as Temporal's worker states: a string union, not a web of flags. */
export type DaemonState = 'starting' | 'recovering' | 'running' | 'draining' | 'stopped' | 'failed';

/** A condition that keeps part of the undercloud from working, shown by `undercloud status`. */
export interface Problem {
  source: string;
  message: string;
  since: string;
}

/** Problems by source; a module sets its problem when it sees one and clears it when it is gone. */
export class ProblemBoard {
  private readonly problems = new Map<string, Problem>();
  set(source: string, message: string): void {
    const prev = this.problems.get(source);
    if (prev?.message === message) return;
    this.problems.set(source, { source, message, since: new Date().toISOString() });
  }
  clear(source: string): void {
    this.problems.delete(source);
  }
  list(): Problem[] {
    return [...this.problems.values()];
  }
}

/** What every API service and domain service receives from the daemon. */
export interface DaemonContext {
  readonly config: DaemonConfig;
  readonly store: Store;
  readonly bus: EventBus;
  readonly log: Logger;
  readonly operations: OperationRunner;
  readonly startedAt: Date;
  state(): DaemonState;
  /** Aborted when the daemon starts draining; long work passes it down. */
  readonly shutdownSignal: AbortSignal;
  readonly problems: ProblemBoard;
}
