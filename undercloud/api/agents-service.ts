/** undercloud.v1.Agents: enrollment tokens, the agent list, step logs (with follow), revocation, steps. Thin. */
import { randomUUID } from 'node:crypto';
import type { Server, ServerWritableStream } from '@grpc/grpc-js';
import { AgentsService, type LogLine, type NodeLogsRequest, type RunStepRequest, type StepInfo } from '../../proto/gen/undercloud/v1/agents.js';
import { InvalidStepError } from '../agents/errors.js';
import { NotFoundError } from '../errors.js';
import type { DaemonContext } from '../daemon/context.js';
import type { Hub } from '../agents/hub.js';
import type { AgentsRepo } from '../store/agents.js';
import type { StepLogChunk, StepRecord, StepsRepo } from '../store/steps.js';
import { unary } from './grpc-status.js';
import { streamBacklogThenLive } from './backlog-then-live.js';

export interface AgentsServiceDeps {
  hub: Hub;
  agents: AgentsRepo;
  steps: StepsRepo;
}

const toLine = (c: StepLogChunk): LogLine => ({ stepId: c.stepId, seq: c.seq, stream: c.stream, data: c.data, timestamp: c.ts });

const stepToProto = (s: StepRecord): StepInfo => ({
  id: s.id, nodeId: s.nodeId, kind: s.kind, state: s.state, changed: s.changed, outputsJson: JSON.stringify(s.outputs), errorCode: s.errorCode ?? '',
  errorMessage: s.errorMessage ?? '', createdAt: s.createdAt, finishedAt: s.finishedAt ?? '', attempts: s.attempts,
});

function parseParams(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json || '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new InvalidStepError('params_json must be a JSON object');
}

export function setup(server: Server, ctx: DaemonContext, d: AgentsServiceDeps): void {
  server.addService(AgentsService, {
    issueEnrollmentToken: unary(ctx.log, (req: { nodeId: string; ttlSeconds: number }) => {
      const t = d.hub.issueEnrollmentToken(req.nodeId, req.ttlSeconds);
      return { nodeId: req.nodeId, token: t.token, expiresAt: t.expiresAt.toISOString() };
    }),
    listAgents: unary(ctx.log, () => ({
      agents: d.agents.list().map((a) => ({
        nodeId: a.nodeId, state: a.state, mode: a.mode, version: a.version, hostname: a.hostname, lastSeenAt: d.hub.lastSeen(a.nodeId)?.toISOString() ?? a.lastSeenAt ?? '',
        certSerial: a.certSerial, certExpiresAt: a.certExpiresAt,
      })),
    })),
    revokeAgent: unary(ctx.log, (req: { nodeId: string; reason: string }) => {
      // Nothing to revoke is most likely a mistyped node: say so instead of reporting zeros.
      if (!d.agents.get(req.nodeId) && !d.agents.hasUnusedToken(req.nodeId) && d.steps.openForNode(req.nodeId).length === 0) {
        throw new NotFoundError('AGENT_NOT_FOUND', `node ${req.nodeId} has no enrolled agent, no enrollment token and no open step`);
      }
      const r = d.hub.revoke(req.nodeId, req.reason || 'revoked by the operator');
      return { revokedCertificates: r.certificates, revokedTokens: r.tokens };
    }),
    listSteps: unary(ctx.log, (req: { nodeId: string }) => ({ steps: d.steps.listForNode(req.nodeId).map(stepToProto) })),
    runStep: unary(ctx.log, async (req: RunStepRequest) => {
      const step = {
        id: req.stepId || randomUUID(), kind: req.kind, params: parseParams(req.paramsJson), timeoutMs: req.timeoutMs || undefined,
        retry: { maxAttempts: req.maxAttempts || undefined, backoffMs: req.backoffMs || undefined },
      };
      // Resolves once the step is stored; with `wait`, answers once its result is stored too.
      const { step: stored, result } = await d.hub.submit(req.nodeId, step, { signal: ctx.shutdownSignal });
      if (req.wait) return stepToProto(d.steps.get((await result).stepId)!);
      result.catch(() => undefined);
      return stepToProto(stored);
    }),
    nodeLogs: (call: ServerWritableStream<NodeLogsRequest, LogLine>) => nodeLogs(ctx, d, call),
  });
}

/**
 * The stored chunks, then (with follow) live ones. Live chunks that arrive while the backlog is read are
 * queued and deduplicated by (step, seq), so nothing is lost or doubled.
 */
function nodeLogs(ctx: DaemonContext, d: AgentsServiceDeps, call: ServerWritableStream<NodeLogsRequest, LogLine>): void {
  const { nodeId, stepId, follow } = call.request;
  const seen = new Set<string>();
  const key = (c: StepLogChunk) => `${c.stepId}\u0000${c.seq}`;
  const matches = (c: StepLogChunk) => c.nodeId === nodeId && (!stepId || c.stepId === stepId);
  streamBacklogThenLive<StepLogChunk>(call, ctx.shutdownSignal, {
    follow,
    subscribe: (deliver) => d.hub.subscribeLogs((c) => matches(c) && deliver(c)),
    sendBacklog: (send) => d.steps.logs({ nodeId, stepId: stepId || undefined }).forEach(send),
    send: (c) => {
      if (seen.has(key(c))) return;
      seen.add(key(c));
      call.write(toLine(c));
    },
  });
}
