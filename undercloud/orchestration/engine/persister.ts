/**
 * Write-behind for the engine: resource rows, row deletions, configs and events are queued and written
 * together in one transaction a few milliseconds later (or at once with `flush()`), so a stack
 * of thousands of resources costs a handful of transactions, and an event is never visible before the row
 * it describes. The engine flushes before it waits on a peer, so a saved handle is durable before polling.
 */
import type { Store } from '../../store/store.js';
import type { StacksRepo, ResourceRecord, StackAction, StackRecord, StackStatus } from '../../store/stacks.js';
import type { EventBus } from '../../events/event-bus.js';
import type { NewEvent } from '../../store/events.js';
import type { Json } from '../template/types.js';

const FLUSH_DELAY_MS = 25;

export class Persister {
  private readonly dirty = new Map<string, ResourceRecord>();
  private readonly deleted = new Map<string, { stackId: string; name: string }>();
  private readonly configs: { id: string; stackId: string; body: Json | null }[] = [];
  private readonly events: NewEvent[] = [];
  private readonly newStacks: Omit<StackRecord, 'createdAt' | 'updatedAt'>[] = [];
  private readonly stackStates = new Map<string, { action: StackAction; status: StackStatus; reason: string; outputs?: Record<string, Json> }>();
  private scheduled = false;
  /** Counts for benchmarks and tests. */
  readonly stats = { flushes: 0, rows: 0, events: 0 };

  constructor(private readonly store: Store, private readonly repo: StacksRepo, private readonly bus: EventBus) {}

  saveResource(r: ResourceRecord): void {
    const key = `${r.stackId}\u0000${r.name}`;
    this.deleted.delete(key);
    this.dirty.set(key, r);
    this.schedule();
  }

  deleteResource(stackId: string, name: string): void {
    const key = `${stackId}\u0000${name}`;
    this.dirty.delete(key);
    this.deleted.set(key, { stackId, name });
    this.schedule();
  }

  putConfig(id: string, stackId: string, body: Json | null): void {
    this.configs.push({ id, stackId, body });
    this.schedule();
  }

  /** A nested stack row, written before any of its resources in the same transaction. */
  insertStack(s: Omit<StackRecord, 'createdAt' | 'updatedAt'>): void {
    this.newStacks.push(s);
    this.schedule();
  }

  stackState(id: string, action: StackAction, status: StackStatus, reason: string, outputs?: Record<string, Json>): void {
    this.stackStates.set(id, { action, status, reason, ...(outputs === undefined ? {} : { outputs }) });
    this.schedule();
  }

  event(ev: NewEvent): void {
    this.events.push(ev);
    this.schedule();
  }

  /** Writes everything queued, in one transaction. */
  flush(): void {
    if (this.dirty.size === 0 && this.deleted.size === 0 && this.events.length === 0 && this.configs.length === 0 && this.stackStates.size === 0 && this.newStacks.length === 0) return;
    const rows = [...this.dirty.values()];
    const dels = [...this.deleted.values()];
    const configs = this.configs.splice(0);
    const events = this.events.splice(0);
    const states = [...this.stackStates.entries()];
    const stacks = this.newStacks.splice(0);
    this.stackStates.clear();
    this.dirty.clear();
    this.deleted.clear();
    this.store.tx(() => {
      for (const st of stacks) this.repo.insertStack(st);
      this.repo.saveResources(rows);
      for (const d of dels) this.repo.deleteResource(d.stackId, d.name);
      for (const c of configs) {
        if (c.body === null) this.repo.removeConfig(c.id);
        else this.repo.putConfig(c.id, c.stackId, c.body);
      }
      for (const [id, st] of states) {
        this.repo.setState(id, st.action, st.status, st.reason);
        if (st.outputs) this.repo.setOutputs(id, st.outputs);
      }
      for (const e of events) this.bus.publish(e);
    });
    this.stats.flushes++;
    this.stats.rows += rows.length + dels.length;
    this.stats.events += events.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A short delay rather than the next tick: thousands of fast transitions collapse into a few
    // transactions, and a row saved twice in the window (IN_PROGRESS then COMPLETE) is written once.
    setTimeout(() => {
      this.scheduled = false;
      this.flush();
    }, FLUSH_DELAY_MS).unref();
  }
}
