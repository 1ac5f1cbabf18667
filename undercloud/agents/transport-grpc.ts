/**
 * agent.v1.AgentService on the agent endpoint: Enroll and the Connect session stream. Converts agent.v1
 * messages to the hub's events and back; the hub never sees a generated type. Every refused call is
 * logged and stored as an event with its reason code, never with the token.
 */
import { Metadata, status, type ServerDuplexStream, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import {
  AgentServiceService, type AgentMessage, type EnrollRequest, type EnrollResponse, type HubMessage,
} from '../../proto/gen/agent/v1/agent.js';
import { toGrpcStatus } from '../api/grpc-status.js';
import type { Logger } from '../daemon/logging.js';
import type { EventBus } from '../events/event-bus.js';
import type { Enrollment } from './enrollment.js';
import { AgentAuthError, AgentRevokedError } from './errors.js';
import type { AgentEvent, CloseReason, HubEvent } from './events.js';
import { peerIdentity } from './credentials.js';
import type { Hub, SessionHandle } from './hub.js';

export const AGENT_CLOSE_REASON_KEY = 'undercloud-agent-close';

export interface TransportDeps {
  hub: Hub;
  enrollment: Enrollment;
  bus: EventBus;
  log: Logger;
  caPem: string;
}

export function agentServiceImplementation(d: TransportDeps) {
  const refuse = (what: string, claimedNodeId: string, peer: string, err: AgentAuthError | AgentRevokedError) => {
    d.log.warn(`agent ${what} refused`, { nodeId: claimedNodeId, reason: err.reason, peer });
    d.bus.publish({ kind: 'agent.auth_refused', subjectType: 'node', subjectId: claimedNodeId, severity: 'warning', message: `agent ${what} refused: ${err.reason}`, data: { reason: err.reason, peer } });
  };
  return {
    service: AgentServiceService,
    impl: {
      enroll(call: ServerUnaryCall<EnrollRequest, EnrollResponse>, cb: sendUnaryData<EnrollResponse>): void {
        const req = call.request;
        d.enrollment.enroll(req.nodeId, req.token, req.publicKeyPem).then(
          (c) => {
            d.log.info('agent enrolled', { nodeId: c.nodeId, serial: c.serial, expiresAt: c.expiresAt.toISOString() });
            d.bus.publish({ kind: 'agent.enrolled', subjectType: 'node', subjectId: c.nodeId, message: `agent enrolled; certificate ${c.serial} valid until ${c.expiresAt.toISOString()}` });
            cb(null, { certificatePem: c.certificatePem, caPem: d.caPem, nodeId: c.nodeId });
          },
          (err: unknown) => {
            if (err instanceof AgentAuthError) refuse('enrollment', req.nodeId, call.getPeer(), err);
            cb(toGrpcStatus(err, d.log));
          },
        );
      },
      connect(call: ServerDuplexStream<AgentMessage, HubMessage>): void {
        connect(d, call, refuse);
      },
    },
  };
}

function connect(d: TransportDeps, call: ServerDuplexStream<AgentMessage, HubMessage>, refuse: (what: string, node: string, peer: string, e: AgentAuthError | AgentRevokedError) => void): void {
  const id = peerIdentity(call.getAuthContext());
  const fail = (err: unknown) => {
    call.on('error', () => undefined);
    call.emit('error', toGrpcStatus(err, d.log));
  };
  if (!id) {
    const err = new AgentAuthError('no_certificate', 'a session needs a client certificate signed by the undercloud CA (enroll first)');
    refuse('session', '', call.getPeer(), err);
    return fail(err);
  }
  try {
    d.hub.authorize(id);
  } catch (err) {
    if (err instanceof AgentRevokedError) refuse('session', id.nodeId, call.getPeer(), err);
    return fail(err);
  }
  let ended = false;
  const handle: SessionHandle = d.hub.attach(id, {
    send: (ev) => {
      if (!ended) call.write(toWire(ev));
    },
    close: (reason, message) => {
      if (ended) return;
      ended = true;
      const md = new Metadata();
      md.set(AGENT_CLOSE_REASON_KEY, reason);
      call.on('error', () => undefined);
      call.emit('error', { code: closeStatus(reason), details: message, metadata: md });
    },
  }, peerAddress(call.getPeer()));
  const done = () => {
    if (!ended) ended = true;
    handle.closed();
  };
  call.on('data', (m: AgentMessage) => {
    const ev = fromWire(m);
    if (ev) handle.receive(ev);
  });
  call.on('end', () => {
    done();
    call.end();
  });
  call.on('cancelled', done);
  call.on('close', done);
  call.on('error', done);
}

/** grpc-js peers look like "ipv4:10.0.0.5:4321", "ipv6:[fe80::1]:4321" or "unix:..."; returns the IP. */
export function peerAddress(peer: string): string | undefined {
  const m = /^(?:ipv4:)?(\d+\.\d+\.\d+\.\d+):\d+$/.exec(peer) ?? /^(?:ipv6:)?\[([0-9a-fA-F:.]+)\]:\d+$/.exec(peer);
  return m?.[1];
}

function closeStatus(r: CloseReason): number {
  switch (r) {
    case 'revoked': return status.PERMISSION_DENIED;
    case 'replaced': return status.ABORTED;
    case 'lost': return status.DEADLINE_EXCEEDED;
    case 'shutdown': return status.UNAVAILABLE;
  }
}

function fromWire(m: AgentMessage): AgentEvent | undefined {
  const e = m.event;
  switch (e?.$case) {
    case 'hello': return { type: 'hello', mode: e.hello.mode === 'ramdisk' ? 'ramdisk' : 'node', version: e.hello.version, hostname: e.hello.hostname };
    case 'heartbeat': return { type: 'heartbeat' };
    case 'ack': return { type: 'ack', stepId: e.ack.stepId, attempt: e.ack.attempt };
    case 'log': return { type: 'log', stepId: e.log.stepId, seq: e.log.seq, stream: e.log.stream, data: e.log.data };
    case 'result': {
      const r = e.result;
      let outputs: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(r.outputsJson || '{}');
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) outputs = parsed as Record<string, unknown>;
      } catch {
        outputs = { _invalid_outputs_json: r.outputsJson };
      }
      return {
        type: 'result', stepId: r.stepId,
        outcome: { success: r.success, changed: r.changed, outputs, errorCode: r.errorCode || undefined, errorMessage: r.errorMessage || undefined, attempts: r.attempts },
      };
    }
    default: return undefined;
  }
}

function toWire(ev: HubEvent): HubMessage {
  switch (ev.type) {
    case 'welcome': return { event: { $case: 'welcome', welcome: { nodeId: ev.nodeId, heartbeatIntervalMs: ev.heartbeatIntervalMs } } };
    case 'heartbeat': return { event: { $case: 'heartbeat', heartbeat: { sentAtMs: Date.now() } } };
    case 'resultAck': return { event: { $case: 'resultAck', resultAck: { stepId: ev.stepId } } };
    case 'step': {
      const s = ev.step;
      return { event: { $case: 'step', step: { id: s.id, kind: s.kind, paramsJson: JSON.stringify(s.params), timeoutMs: s.timeoutMs, retry: { maxAttempts: s.retry.maxAttempts, backoffMs: s.retry.backoffMs } } } };
    }
  }
}
