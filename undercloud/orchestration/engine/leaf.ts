/**
 * Runs one leaf resource action (a plugin hook and its polling) under the engine-wide concurrency cap and the
 * per-resource timeout, with an AbortSignal that follows the stack's. Polling saves the handle durably before
 * it waits, so a restarted daemon polls again instead of repeating `create`.
 */
import type { ResourceRecord, StackRecord } from '../../store/stacks.js';
import type { Logger } from '../../daemon/logging.js';
import type { AgentPort, NetworkPort, ServerPort } from '../ports.js';
import type { CheckResult, ConfigStore, Outcome, ResourceContext, ResourceSnapshot, SignalStore } from '../resources/types.js';
import { sleep, type Semaphore } from './scheduler.js';
import type { Persister } from './persister.js';
import { snapshotOf } from './runtime.js';
import { baseName } from './retire.js';
import { ActionTimeoutError } from './errors.js';

export interface LeafDeps {
  persister: Persister;
  log: Logger;
  servers: ServerPort;
  agent: AgentPort;
  networks?: NetworkPort | undefined;
  configs: ConfigStore;
  waitSignals: SignalStore;
  semaphore: Semaphore;
  options: { resourceTimeoutSeconds: number; pollMaxMs: number };
}

export type LeafAction = 'CREATE' | 'UPDATE' | 'DELETE';

export class LeafRunner {
  private readonly linked = new WeakMap<AbortSignal, Set<AbortController>>();

  constructor(private readonly d: LeafDeps) {}

  /**
   * Runs `fn` with a resource context once a concurrency slot is free. The per-resource timeout starts with
   * the action, not while it waits for a slot: it fails the action with `TIMEOUT: resource X ACTION timed out after N s`.
   */
  async run(stack: StackRecord, rec: ResourceRecord, signal: AbortSignal, fn: (ctx: ResourceContext) => Promise<void>, action: LeafAction): Promise<void> {
    await this.d.semaphore.acquire(signal);
    const seconds = this.d.options.resourceTimeoutSeconds;
    // One controller and one timer per action (cheaper than AbortSignal.any/timeout over thousands of resources).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new ActionTimeoutError(`resource ${rec.name} ${action}`, seconds));
    }, seconds * 1000);
    const unlink = this.link(signal, controller);
    try {
      await fn(this.contextFor(stack, rec.name, controller.signal, action));
    } catch (err) {
      if (timedOut && !signal.aborted) throw new ActionTimeoutError(`resource ${rec.name} ${action}`, seconds);
      throw err;
    } finally {
      clearTimeout(timer);
      unlink();
      this.d.semaphore.release();
    }
  }

  /** Polls a check hook: once at once; if not done, the handle is made durable, then polls with backoff. */
  async poll(ctx: ResourceContext, rec: ResourceRecord, check: (ctx: ResourceContext, snap: ResourceSnapshot) => Promise<CheckResult> | CheckResult): Promise<void> {
    let wait = 10;
    for (let first = true; ; first = false) {
      const r = await check(ctx, snapshotOf(rec));
      if (r.done) {
        apply(rec, r);
        return;
      }
      if (first) {
        this.d.persister.saveResource(rec);
        this.d.persister.flush();
      }
      await sleep(wait, ctx.signal);
      wait = Math.min(wait * 2, this.d.options.pollMaxMs);
    }
  }

  /**
   * Aborts `controller` when `signal` aborts. One listener per parent signal fans out to a set, because
   * EventTarget.addEventListener is linear in the listeners already there (thousands of resources at once).
   */
  private link(signal: AbortSignal, controller: AbortController): () => void {
    if (signal.aborted) {
      controller.abort(signal.reason);
      return () => undefined;
    }
    let set = this.linked.get(signal);
    if (!set) {
      const members = new Set<AbortController>();
      set = members;
      this.linked.set(signal, members);
      signal.addEventListener('abort', () => {
        for (const c of members) c.abort(signal.reason);
      }, { once: true });
    }
    set.add(controller);
    const members = set;
    return () => members.delete(controller);
  }

  private contextFor(stack: StackRecord, resourceName: string, signal: AbortSignal, action: LeafAction): ResourceContext {
    return {
      // A replaced resource waiting for its clean-up keeps acting under its template name.
      stackId: stack.id, stackName: stack.name, rootStackId: stack.rootId, resourceName: baseName(resourceName), signal, action,
      servers: this.d.servers, agent: this.d.agent, ...(this.d.networks ? { networks: this.d.networks } : {}), configs: this.d.configs, waitSignals: this.d.waitSignals, log: this.d.log,
    };
  }
}

export function apply(rec: ResourceRecord, out: Outcome | CheckResult | undefined | void): void {
  if (!out) return;
  if ('handle' in out && out.handle !== undefined) rec.handle = out.handle;
  if ('refId' in out && out.refId !== undefined) rec.refId = out.refId;
  if ('attributes' in out && out.attributes !== undefined) rec.attributes = out.attributes;
}
