/**
 * The hub's public contract, used by the orchestration engine (SoftwareDeployment) and the bare-metal
 * service (inspect, clean and deploy steps). Proto types never appear here.
 */
import type { RetryPolicy, StepRecord } from '../store/steps.js';

export type { RetryPolicy, StepRecord, StepState, StepLogChunk } from '../store/steps.js';
export type AgentMode = 'ramdisk' | 'node';

export interface StepRequest {
  /** Stable id; dispatching the same id again attaches to that step (after a daemon restart, say). Default: a new UUID. */
  id?: string;
  kind: string;
  params?: Record<string, unknown>;
  /** Per attempt; enforced by the agent, and by the daemon with a grace period. Default 10 minutes. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

/** Failure codes a caller can match on (errorCode). Executors add their own (script_failed, ...). */
export type StepErrorCode = 'agent_lost' | 'timeout' | 'revoked' | 'cancelled' | 'unsupported_kind' | 'executor_error' | (string & {});

export interface StepResult {
  stepId: string;
  nodeId: string;
  kind: string;
  success: boolean;
  changed: boolean;
  outputs: Record<string, unknown>;
  errorCode: StepErrorCode | undefined;
  errorMessage: string | undefined;
  attempts: number;
}

export interface DispatchOptions {
  /** Stops waiting (the step itself keeps its stored state; dispatch the same id again to re-attach). */
  signal?: AbortSignal;
}

export interface AgentHub {
  /**
   * Stores the step, sends it to the node's agent when one is connected (or when it connects), and resolves
   * with its result, success or not. Steps of one node run one at a time in dispatch order.
   */
  dispatch(nodeId: string, step: StepRequest, opts?: DispatchOptions): Promise<StepResult>;
  /**
   * dispatch() in two stages: resolves once the step is stored (committed), with the stored record and
   * whether this call created it; `result` then settles as dispatch() does.
   */
  submit(nodeId: string, step: StepRequest, opts?: DispatchOptions): Promise<{ step: StepRecord; created: boolean; result: Promise<StepResult> }>;
  /** Fan-out: one step per node, at most `concurrency` waiting at once (default: all), results in input order. */
  dispatchMany(items: readonly { nodeId: string; step: StepRequest }[], opts?: DispatchOptions & { concurrency?: number }): Promise<StepResult[]>;
  /** A new one-time enrollment token for the node (the secret is returned once, stored hashed). */
  issueEnrollmentToken(nodeId: string, ttlSeconds?: number): { token: string; expiresAt: Date };
  /** Revokes the node's certificate and unused tokens and drops its session (rebuild, delete). */
  revoke(nodeId: string, reason: string): { certificates: number; tokens: number };
  /** Called whenever a node's agent completes its hello; returns the unsubscribe function. */
  onAgentConnected(listener: (nodeId: string, mode: AgentMode) => void): () => void;
  isConnected(nodeId: string): boolean;
  /** The connected agent's mode and IP address (as seen by the daemon), or undefined when it is not connected. */
  session(nodeId: string): { mode: AgentMode | undefined; address: string | undefined } | undefined;
  step(id: string): StepRecord | undefined;
}

export function resultOf(s: StepRecord): StepResult {
  return {
    stepId: s.id, nodeId: s.nodeId, kind: s.kind, success: s.state === 'succeeded', changed: s.changed, outputs: s.outputs,
    errorCode: s.errorCode, errorMessage: s.errorMessage, attempts: s.attempts,
  };
}
