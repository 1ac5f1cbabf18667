/**
 * The agent's own types (Tinkerbell's spec.go): what the loop works with. Generated proto types stop at
 * transport-grpc.ts. The loop depends on three ports: a StepSource (steps arrive), StepExecutors (run a
 * kind) and an EventSink (acks, logs, results go out), so it runs in a test with in-memory fakes.
 */
export type AgentMode = 'ramdisk' | 'node';

export interface RetryPolicy {
  maxAttempts: number;
  backoffMs: number;
}

export interface Step {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  timeoutMs: number;
  retry: RetryPolicy;
}

export interface StepResult {
  stepId: string;
  success: boolean;
  changed: boolean;
  outputs: Record<string, unknown>;
  errorCode: string;
  errorMessage: string;
  attempts: number;
}

export type LogStream = 'stdout' | 'stderr' | 'agent';

export interface EventSink {
  ack(stepId: string, attempt: number): void;
  log(stepId: string, seq: number, stream: LogStream, data: string): void;
  /** Resolves when the daemon acknowledged storing the result (or after `waitMs`, whichever first). */
  result(r: StepResult, waitMs?: number): Promise<boolean>;
}

/** Where steps come from: the transport calls `deliver` for each step the daemon sends. */
export interface StepSource {
  onStep(handler: (step: Step) => void): void;
  onConnected(handler: () => void): void;
}

export interface ExecContext {
  step: Step;
  attempt: number;
  signal: AbortSignal;
  log(stream: LogStream, data: string): void;
  /** Prefix for every path the executor touches ('/' on a real node, a temp dir in tests). */
  root: string;
  /** Dangerous actions (wipe, power) only say what they would do. */
  dryRun: boolean;
  /** The agent's state dir (for executor memory such as the last applied script). */
  stateDir: string;
  mode: AgentMode;
}

export interface ExecOutcome {
  changed: boolean;
  outputs: Record<string, unknown>;
  /** Runs after the daemon has stored the result (reboot, power-off): the report never races the action. */
  after?: () => Promise<void>;
}

export interface StepExecutor {
  readonly kind: string;
  readonly modes: readonly AgentMode[];
  run(ctx: ExecContext): Promise<ExecOutcome>;
}

/** A step failure with a stable code (and outputs, e.g. a script's deploy_stdout). */
export class StepError extends Error {
  constructor(readonly code: string, message: string, readonly outputs: Record<string, unknown> = {}, readonly retryable = true) {
    super(message);
    this.name = 'StepError';
  }
}
