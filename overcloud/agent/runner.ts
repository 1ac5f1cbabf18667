/**
 * The agent loop (Tinkerbell's agent.go, push instead of poll): steps arrive from the StepSource and run
 * one at a time in arrival order; each attempt is acknowledged, its log streamed in numbered chunks, its
 * timeout enforced with an AbortSignal, failures retried per the step's policy. The result goes to the
 * journal before it is sent, so a restarted agent re-reports instead of re-running.
 */
import type { Journal } from './journal.js';
import { StepError, type AgentMode, type EventSink, type ExecOutcome, type Step, type StepExecutor, type StepResult, type StepSource } from './types.js';

export interface RunnerOptions {
  mode: AgentMode;
  root: string;
  dryRun: boolean;
  stateDir: string;
  executors: ReadonlyMap<string, StepExecutor>;
  journal: Journal;
  sink: EventSink;
  /** Diagnostics of the agent itself (stderr). */
  say?: (msg: string) => void;
}

const LOG_SEQ_PER_RUN = 1_000_000;

export class Runner {
  private readonly queue: Step[] = [];
  private readonly known = new Set<string>();
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly o: RunnerOptions) {}

  attach(source: StepSource): void {
    source.onStep((s) => this.submit(s));
    source.onConnected(() => {
      for (const r of this.o.journal.unacked()) void this.o.sink.result(r, 0);
    });
  }

  /** A step from the daemon: answered from the journal, ignored when already queued or running, else queued. */
  submit(step: Step): void {
    const done = this.o.journal.finished(step.id);
    if (done) {
      void this.o.sink.result(done, 0);
      return;
    }
    if (this.known.has(step.id)) return;
    this.known.add(step.id);
    this.queue.push(step);
    if (!this.running) this.running = this.drain();
  }

  stop(): void {
    this.abort.abort(new Error('agent stopping'));
  }

  /** Resolves when the queue is empty (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (let step = this.queue.shift(); step; step = this.queue.shift()) {
        await this.runStep(step);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async runStep(step: Step): Promise<void> {
    const run = this.o.journal.startRun(step.id);
    let seq = (run - 1) * LOG_SEQ_PER_RUN;
    const log = (stream: 'stdout' | 'stderr' | 'agent', data: string) => {
      if (data) this.o.sink.log(step.id, ++seq, stream, data);
    };
    const max = Math.max(1, step.retry.maxAttempts);
    let result: StepResult | undefined;
    let outcome: ExecOutcome | undefined;
    for (let attempt = 1; attempt <= max; attempt++) {
      this.o.sink.ack(step.id, attempt);
      try {
        outcome = await this.attempt(step, attempt, log);
        result = { stepId: step.id, success: true, changed: outcome.changed, outputs: outcome.outputs, errorCode: '', errorMessage: '', attempts: attempt };
        break;
      } catch (err) {
        const e = err instanceof StepError ? err : new StepError('executor_error', (err as Error)?.message ?? String(err));
        result = { stepId: step.id, success: false, changed: false, outputs: e.outputs, errorCode: e.code, errorMessage: e.message, attempts: attempt };
        log('agent', `attempt ${attempt}/${max} failed: ${e.code}: ${e.message}\n`);
        if (!e.retryable || attempt === max || this.abort.signal.aborted) break;
        await sleep(step.retry.backoffMs, this.abort.signal);
      }
    }
    if (this.abort.signal.aborted) return; // the agent is stopping: the daemon resends the step to the next agent run
    await this.o.journal.record(result!);
    const stored = await this.o.sink.result(result!, outcome?.after ? 10_000 : 0);
    if (result!.success && outcome?.after) {
      if (!stored) this.o.say?.(`step ${step.id}: the daemon did not confirm the result in time; running the action anyway`);
      await outcome.after();
    }
  }

  private async attempt(step: Step, attempt: number, log: (s: 'stdout' | 'stderr' | 'agent', d: string) => void): Promise<ExecOutcome> {
    const ex = this.o.executors.get(step.kind);
    if (!ex || !ex.modes.includes(this.o.mode)) {
      throw new StepError('unsupported_kind', `this agent (${this.o.mode} mode) cannot run "${step.kind}" steps`, {}, false);
    }
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new StepError('timeout', `step timed out after ${step.timeoutMs} ms`)), step.timeoutMs);
    const onStop = () => timeout.abort(this.abort.signal.reason);
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    try {
      return await Promise.race([
        ex.run({ step, attempt, signal: timeout.signal, log, root: this.o.root, dryRun: this.o.dryRun, stateDir: this.o.stateDir, mode: this.o.mode }),
        new Promise<never>((_, reject) => timeout.signal.addEventListener('abort', () => reject(timeout.signal.reason), { once: true })),
      ]);
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onStop);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
