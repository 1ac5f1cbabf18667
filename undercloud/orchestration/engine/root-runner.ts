/**
 * Runs the root stack actions (create, update, delete) as daemon operations: one at a time per stack, each
 * resumed by a restarted daemon from what its operation saved. On failure with rollback enabled (Heat's
 * disable_rollback=false) it rolls back; a delete started while a create or update runs cancels that action
 * and starts once it has stopped, without recording the cancelled action's failure (Heat lets a delete
 * supersede CREATE_IN_PROGRESS).
 */
import { setMaxListeners } from 'node:events';
import type { StacksRepo, StackRecord, StackTemplate } from '../../store/stacks.js';
import type { Logger } from '../../daemon/logging.js';
import type { OperationHandle, OperationRunner } from '../../daemon/operations.js';
import type { Operation } from '../../store/operations.js';
import type { TemplateBundle } from '../template/types.js';
import type { Persister } from './persister.js';
import type { FailureMode, Scope, Walker } from './walker.js';
import { buildRuntime } from './runtime.js';
import { findReapplied, NOTHING_REAPPLIED, type ReapplyRequest } from './reapply.js';
import type { ServerPort } from '../ports.js';
import { loadTemplate } from './templates.js';
import { StackNotFoundError } from './errors.js';

const OP_KINDS = { CREATE: 'stack.create', UPDATE: 'stack.update', DELETE: 'stack.delete' } as const;
export type RootAction = keyof typeof OP_KINDS;

/** What a root action does; saved as its operation's detail, so a restarted daemon resumes the same thing. */
export interface RootRun {
  stackId: string;
  stackName: string;
  action: RootAction;
  rollback?: boolean;
  /** The template before an update, for its rollback. */
  previous?: StackTemplate;
  /** Set once the action failed and its rollback started. */
  phase?: 'ROLLBACK';
  /** An update asked to apply deployments again (`--reapply-config`). */
  reapply?: ReapplyRequest;
}

interface Running {
  action: RootAction;
  opId?: string;
  done: Promise<void>;
  /** A delete cancelled this action and takes over: its failure is not recorded on the stack. */
  superseded?: boolean;
}

export interface RootRunnerDeps {
  repo: StacksRepo;
  persister: Persister;
  walker: Walker;
  operations: OperationRunner;
  log: Logger;
  shutdown: AbortSignal;
  maxNestedDepth: number;
  /** Asked for the servers' instances before an update (reapply.ts). */
  servers: ServerPort;
}

export class RootRunner {
  private readonly running = new Map<string, Running>();
  /**
   * The bundle objects of requests being acted on. The template side caches parses per bundle object, so the
   * walk reuses what validation parsed instead of the copy read back from the store.
   */
  private readonly bundles = new Map<string, TemplateBundle>();

  constructor(private readonly d: RootRunnerDeps) {
    for (const action of Object.keys(OP_KINDS) as RootAction[]) {
      d.operations.registerResumer(OP_KINDS[action], (op, handle) => this.resume(op, action, handle));
    }
  }

  /** The action running on a stack, if any. */
  actionOf(stackId: string): RootAction | undefined {
    return this.running.get(stackId)?.action;
  }

  /** Resolves when the stack's current action has finished. */
  async idle(stackId: string): Promise<void> {
    await this.running.get(stackId)?.done;
  }

  /** Cancels the running action (its in-flight resources and the stack end FAILED, no rollback). */
  cancel(stackId: string): boolean {
    const r = this.running.get(stackId);
    return r?.opId !== undefined && this.d.operations.cancel(r.opId);
  }

  /** Starts a create or update with the request's own bundle object. */
  begin(stack: StackRecord, run: RootRun, bundle: TemplateBundle): void {
    this.bundles.set(stack.id, bundle);
    this.start(stack, run);
  }

  /** Starts a delete; an action in progress is cancelled first and the delete waits for it to stop. */
  delete(stack: StackRecord): void {
    const prior = this.running.get(stack.id);
    if (prior) {
      prior.superseded = true;
      if (prior.opId !== undefined) this.d.operations.cancel(prior.opId);
    }
    this.start(stack, { stackId: stack.id, stackName: stack.name, action: 'DELETE' }, prior?.done);
  }

  /** Starts a root action as a daemon operation, after `after` settles when given (a cancelled action a delete waits for). */
  private start(stack: StackRecord, run: RootRun, after?: Promise<void>): void {
    const entry: Running = { action: run.action, done: Promise.resolve() };
    const begin = (): Promise<void> | undefined => {
      if (this.d.shutdown.aborted) return undefined;
      return this.d.operations.run(OP_KINDS[run.action], { type: 'stack', id: stack.id }, run as unknown as Record<string, unknown>, (op) => {
        entry.opId = op.id;
        return this.runRoot(run, op, entry);
      });
    };
    const work = after ? after.then(begin) : begin();
    entry.done = Promise.resolve(work).then(() => undefined, () => undefined).finally(() => {
      if (this.running.get(stack.id) === entry) this.running.delete(stack.id);
    });
    this.running.set(stack.id, entry);
  }

  private resume(op: Operation, action: RootAction, handle: OperationHandle): Promise<void> {
    const run: RootRun = { stackId: op.subjectId, stackName: String(op.detail.stackName ?? op.subjectId), ...(op.detail as Partial<RootRun>), action };
    const entry: Running = { action, opId: op.id, done: Promise.resolve() };
    const work = this.runRoot(run, handle, entry);
    entry.done = work.then(() => undefined, () => undefined).finally(() => {
      if (this.running.get(op.subjectId) === entry) this.running.delete(op.subjectId);
    });
    this.running.set(op.subjectId, entry);
    return work;
  }

  /** The stack's signal: the operation's (cancel, shutdown) and the stack timeout, which starts again on resume and on rollback. */
  private signalFor(stack: StackRecord, opSignal: AbortSignal): AbortSignal {
    const signal = stack.timeoutMinutes ? AbortSignal.any([opSignal, AbortSignal.timeout(stack.timeoutMinutes * 60_000)]) : opSignal;
    // Every resource in flight listens on this signal; thousands at once are expected, not a leak.
    setMaxListeners(0, signal);
    return signal;
  }

  /** The breakpoints of a stored root stack (for delete walks, which need no template otherwise). */
  private scopeOf(stack: StackRecord): Scope {
    try {
      const t = stack.template;
      return { path: [], hooks: loadTemplate(t.bundle!, { templateFile: t.templateFile, parameters: t.parameters, maxDepth: this.d.maxNestedDepth }).hooks };
    } catch {
      return { path: [], hooks: [] };
    }
  }

  private async runRoot(run: RootRun, op: OperationHandle, entry: Running): Promise<void> {
    const stack = this.d.repo.get(run.stackId);
    if (!stack) throw new StackNotFoundError(run.stackId);
    const started = Date.now();
    const failureMode = (): FailureMode => {
      if (entry.superseded) return 'superseded';
      return run.rollback && run.action !== 'DELETE' && run.phase !== 'ROLLBACK' && !op.signal.aborted ? 'rollback' : 'fail';
    };
    try {
      if (run.phase === 'ROLLBACK') {
        await this.rollBack(stack, run, op, entry);
      } else if (run.action === 'DELETE') {
        await this.d.walker.deleteStack(stack, this.signalFor(stack, op.signal), this.scopeOf(stack));
      } else {
        this.d.persister.flush();
        const bundle = this.bundles.get(stack.id) ?? stack.template.bundle!;
        const signal = this.signalFor(stack, op.signal);
        const reapplied = run.action === 'UPDATE' ? await findReapplied(this.d.repo, this.d.servers, stack.id, signal, run.reapply) : NOTHING_REAPPLIED;
        const rt = buildRuntime({ ...stack, template: { ...stack.template, bundle } }, bundle, this.d.repo.resources(stack.id), { depth: 0, maxDepth: this.d.maxNestedDepth, reapplied });
        await this.d.walker.converge(rt, run.action, signal, { onFailure: failureMode });
      }
      this.d.log.info('stack action finished', { stack: stack.name, action: run.action, ms: Date.now() - started });
    } catch (err) {
      if (!this.d.shutdown.aborted && run.phase !== 'ROLLBACK' && failureMode() === 'rollback') {
        this.d.log.warn('stack action failed; rolling back', { stack: stack.name, action: run.action, error: (err as Error).message });
        // Written with the FAILED state in one transaction: a reader never sees the stack FAILED and idle.
        this.d.persister.stackState(stack.id, 'ROLLBACK', 'IN_PROGRESS', 'Stack ROLLBACK started');
        this.d.persister.flush();
        run.phase = 'ROLLBACK';
        op.saveProgress(run as unknown as Record<string, unknown>);
        await this.rollBack(this.d.repo.get(stack.id) ?? stack, run, op, entry);
        throw err;
      }
      this.d.persister.flush();
      const now = this.d.repo.get(stack.id);
      // A template that no longer parses fails before the walk could record anything.
      if (now && now.status === 'IN_PROGRESS' && !op.signal.aborted) this.d.repo.setState(stack.id, run.action, 'FAILED', (err as Error).message);
      this.d.log.warn('stack action failed', { stack: stack.name, action: run.action, error: (err as Error).message });
      throw err;
    } finally {
      this.bundles.delete(stack.id);
      this.d.persister.flush();
    }
  }

  /**
   * Heat's rollback: a failed create deletes every resource it made (the stack stays, ROLLBACK_COMPLETE);
   * a failed update converges back to the previous template (changed resources return to their previous
   * definition, new ones are deleted, create-first replacements put the old resource back).
   */
  private async rollBack(stack: StackRecord, run: RootRun, op: OperationHandle, entry: Running): Promise<void> {
    const signal = this.signalFor(stack, op.signal);
    const onFailure = (): FailureMode => (entry.superseded ? 'superseded' : 'fail');
    if (run.action === 'CREATE') {
      await this.d.walker.deleteResources(stack, 'ROLLBACK', signal, this.scopeOf(stack), { onFailure });
      return;
    }
    if (!run.previous) return;
    this.d.repo.setTemplate(stack.id, run.previous, stack.timeoutMinutes);
    const back = { ...stack, template: run.previous };
    const rt = buildRuntime(back, run.previous.bundle!, this.d.repo.resources(stack.id), { depth: 0, maxDepth: this.d.maxNestedDepth });
    await this.d.walker.converge(rt, 'ROLLBACK', signal, { onFailure });
  }
}
