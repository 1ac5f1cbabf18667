/**
 * What the agent-based interfaces (inspect `agent`, deploy `direct`) need from the rest of the daemon, given
 * to the conductor once at start-up (daemon/modules/baremetal.ts) and handed to drivers on their task:
 * the agent hub, the image store, the NBD writer, where nodes dial back, and the one-time tokens that the
 * iPXE script puts on a ramdisk's kernel line.
 */
import type { AgentHub, AgentMode, StepRequest, StepResult } from '../../agents/types.js';
import type { WriteImageOptions, WriteImageResult } from '../../nbd/writer.js';
import type { Logger } from '../../daemon/logging.js';
import { AgentNotConnectedError, AgentStepError } from '../errors.js';
import type { Node } from '../node.js';

export interface DeployImage {
  name: string;
  path: string;
  format: 'raw' | 'qcow2';
  size: number;
  sha256: string;
}

export interface DeployProgress {
  phase: string;
  message: string;
  data?: Record<string, unknown>;
}

export interface AgentServices {
  hub: Pick<AgentHub, 'dispatch' | 'issueEnrollmentToken' | 'revoke' | 'onAgentConnected' | 'session'>;
  /** The tail of a step's log (for failure messages). */
  logTail(nodeId: string, stepId: string, lines?: number): string;
  /** instance_info.image_source (a name or id in the image store) -> the file to write. */
  resolveImage(ref: string): DeployImage;
  writeImage(o: WriteImageOptions): Promise<WriteImageResult>;
  /** host:port of the agent endpoint, as nodes reach it. */
  agentEndpoint: string;
  caPem: string;
  /** TCP port the ramdisk exports the root disk on. */
  nbdPort: number;
  /** Lifetime of the tokens issued to ramdisks and to deployed nodes. */
  tokenTtlSeconds: number;
  ramdiskTokens: RamdiskTokens;
  progress(node: Node, p: DeployProgress): void;
}

/**
 * Tokens for ramdisk boots: issued when the boot is prepared, read by the HTTP boot server when the node
 * asks for its iPXE script, forgotten when the ramdisk is cleaned up. Kept in memory only: a restarted
 * daemon fails the operations that needed them anyway.
 */
export class RamdiskTokens {
  private readonly tokens = new Map<string, string>();
  set(nodeId: string, token: string): void {
    this.tokens.set(nodeId, token);
  }
  get(nodeId: string): string | undefined {
    return this.tokens.get(nodeId);
  }
  clear(nodeId: string): void {
    this.tokens.delete(nodeId);
  }
}

/** Resolves when `nodeId`'s agent is connected in `mode` (at once if it already is). */
export function waitForAgent(svc: AgentServices, node: Node, mode: AgentMode, signal: AbortSignal): Promise<void> {
  const now = svc.hub.session(node.id);
  if (now?.mode === mode) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const off = svc.hub.onAgentConnected((id, m) => {
      if (id !== node.id || m !== mode) return;
      cleanup();
      resolve();
    });
    const onAbort = () => {
      cleanup();
      reject(new AgentNotConnectedError(node.name, mode, signal.reason instanceof Error ? signal.reason.message : 'gave up waiting'));
    };
    const cleanup = () => {
      off();
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs one agent step; a failure becomes an AgentStepError with the node, the step and the agent's log. */
export async function runAgentStep(svc: AgentServices, node: Node, req: StepRequest, signal: AbortSignal, log?: Logger): Promise<StepResult> {
  const r = await svc.hub.dispatch(node.id, req, { signal });
  if (r.success) return r;
  const tail = svc.logTail(node.id, r.stepId);
  log?.warn('agent step failed', { step: req.kind, stepId: r.stepId, errorCode: r.errorCode, error: r.errorMessage });
  throw new AgentStepError(node.name, req.kind, `${r.errorCode ?? 'failed'}: ${r.errorMessage ?? 'no message'}`, tail);
}
