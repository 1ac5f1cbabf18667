/**
 * What flows between the hub and one connected agent, in the hub's own terms. The gRPC transport
 * (agent-service.ts) converts to and from agent.v1 messages; unit tests drive the hub with these directly.
 */
import type { StepOutcome, StepSpec } from '../store/steps.js';
import type { AgentMode } from './types.js';

export type AgentEvent =
  | { type: 'hello'; mode: AgentMode; version: string; hostname: string }
  | { type: 'heartbeat' }
  | { type: 'ack'; stepId: string; attempt: number }
  | { type: 'log'; stepId: string; seq: number; stream: string; data: string }
  | { type: 'result'; stepId: string; outcome: StepOutcome };

export type HubEvent =
  | { type: 'welcome'; nodeId: string; heartbeatIntervalMs: number }
  | { type: 'step'; step: StepSpec }
  | { type: 'heartbeat' }
  | { type: 'resultAck'; stepId: string };

export type CloseReason = 'lost' | 'replaced' | 'revoked' | 'shutdown';

/** The transport's side of one agent connection. */
export interface AgentLink {
  send(ev: HubEvent): void;
  /** Ends the connection; the transport maps the reason to a status the agent understands. */
  close(reason: CloseReason, message: string): void;
}
