import type { DaemonConfig } from './config.js';
import type { Logger } from './logging.js';
import type { Store } from '../store/store.js';
import type { EventBus } from '../events/event-bus.js';
import type { OperationRunner } from './operations.js';

/** Daemon lifecycle, as Temporal's worker states: a string union, not a web of flags. */
export type DaemonState = 'starting' | 'recovering' | 'running' | 'draining' | 'stopped' | 'failed';

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
}
