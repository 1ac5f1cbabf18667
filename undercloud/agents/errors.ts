import { status } from '@grpc/grpc-js';
import { ConflictError, InvalidError, NotFoundError, UndercloudError } from '../errors.js';

/**
 * An agent could not prove who it is: no or unknown enrollment token, a token of another node, an expired
 * or used token, no client certificate. `reason` is a stable code for logs and tests; never the secret.
 */
export class AgentAuthError extends UndercloudError {
  constructor(readonly reason: string, message: string) {
    super('AGENT_UNAUTHENTICATED', message, { grpcStatus: status.UNAUTHENTICATED });
  }
}

/** A verified certificate that is no longer valid for its node (revoked, replaced by a re-enrollment). */
export class AgentRevokedError extends UndercloudError {
  constructor(readonly reason: string, message: string) {
    super('AGENT_REVOKED', message, { grpcStatus: status.PERMISSION_DENIED });
  }
}

/** A step request that can never run (no kind, bad id, bad timeout). */
export class InvalidStepError extends InvalidError {
  constructor(message: string) {
    super('STEP_INVALID', message);
  }
}

/** A step id reused for another node or kind. */
export class StepConflictError extends ConflictError {
  constructor(message: string) {
    super('STEP_CONFLICT', message);
  }
}

/** No step with that id. */
export class StepNotFoundError extends NotFoundError {
  constructor(id: string) {
    super('STEP_NOT_FOUND', `no step ${id}`);
  }
}
