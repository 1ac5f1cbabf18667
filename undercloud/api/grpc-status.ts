/**
 * The one place where a thrown error becomes a gRPC status (as grpc-js's serverErrorToStatus). Our own
 * errors keep their code in the `undercloud-error-code` trailer, so clients can match on it; anything
 * else is INTERNAL and logged with its stack.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { isUndercloudError } from '../errors.js';
import type { Logger } from '../daemon/logging.js';

export const ERROR_CODE_KEY = 'undercloud-error-code';

export function toGrpcStatus(err: unknown, log?: Logger): Partial<ServiceError> {
  const metadata = new Metadata();
  if (isUndercloudError(err)) {
    metadata.set(ERROR_CODE_KEY, err.code);
    return { code: err.grpcStatus, details: err.message, metadata };
  }
  log?.error('internal error', { error: (err as Error)?.message, stack: (err as Error)?.stack });
  metadata.set(ERROR_CODE_KEY, 'INTERNAL');
  return { code: status.INTERNAL, details: `internal error: ${(err as Error)?.message ?? String(err)}`, metadata };
}

/** Wraps a promise-returning unary handler into grpc-js's callback shape. */
export function unary<Req, Res>(log: Logger, fn: (req: Req) => Promise<Res> | Res) {
  return (call: { request: Req }, callback: (err: Partial<ServiceError> | null, res?: Res) => void): void => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then((res) => callback(null, res), (err: unknown) => callback(toGrpcStatus(err, log)));
  };
}
