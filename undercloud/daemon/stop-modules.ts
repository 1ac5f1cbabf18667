/**
 * Stopping the domain modules when the daemon drains: in reverse start order, all within one deadline.
 *
 * A module's stop that waits on something gone (a child that ignores SIGTERM, a peer that never closes) must
 * not keep the daemon from exiting, and neither must several slow ones together: systemd's TimeoutStopSec
 * and `undercloud uninstall` (install/service.ts) allow the operations' grace plus 15 s, and a daemon killed
 * at that point never records that it stopped. Each module used to get its own max(5 s, grace), so two
 * stuck modules already outlasted that.
 */
import type { DomainModule } from './modules.js';

/** What the modules share after the operations' drain; the API server's shutdown gets API_STOP_MS after it. */
export const MODULE_STOP_BUDGET_MS = 10_000;
export const API_STOP_MS = 3000;
/** A module reached after the deadline still has its stop() called, and this long to finish. */
const LATE_STOP_MS = 100;

export interface StopLog {
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface ModulesStopped {
  /** Modules whose stop had not finished when their share of the deadline ran out. */
  late: string[];
  /** Modules whose stop threw or rejected. */
  failed: string[];
}

export async function stopModules(modules: readonly Pick<DomainModule, 'name' | 'stop'>[], budgetMs: number, log: StopLog): Promise<ModulesStopped> {
  const deadline = Date.now() + budgetMs;
  const out: ModulesStopped = { late: [], failed: [] };
  for (const m of [...modules].reverse()) {
    if (!m.stop) continue;
    const waitMs = Math.max(LATE_STOP_MS, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    try {
      const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), waitMs).unref()));
      if ((await Promise.race([Promise.resolve().then(() => m.stop!()), timedOut])) === 'timeout') {
        out.late.push(m.name);
        log.warn('module did not stop in time; going on without it', { module: m.name, waitedMs: waitMs });
      }
    } catch (err) {
      out.failed.push(m.name);
      log.warn('module did not stop cleanly', { module: m.name, error: (err as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}
