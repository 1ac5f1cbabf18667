import { describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { GrpcStatus, ConflictError, findCause, InvalidError, NotFoundError, UnavailableError, UndercloudError } from '../../undercloud/errors.js';

describe('errors', () => {
  it('spells the gRPC status codes as grpc-js does', () => {
    for (const [name, code] of Object.entries(GrpcStatus)) expect(status[name as keyof typeof status]).toBe(code);
  });

  it('maps kinds to statuses and keeps codes and causes', () => {
    const cause = new Error('root');
    const e = new ConflictError('NODE_LOCKED', 'locked', { cause });
    expect(e.grpcStatus).toBe(status.FAILED_PRECONDITION);
    expect(e.code).toBe('NODE_LOCKED');
    expect(e.name).toBe('ConflictError');
    expect(new InvalidError('X', 'x').grpcStatus).toBe(status.INVALID_ARGUMENT);
    expect(new NotFoundError('X', 'x').grpcStatus).toBe(status.NOT_FOUND);
    expect(new UnavailableError('X', 'x').grpcStatus).toBe(status.UNAVAILABLE);
    expect(findCause(new UndercloudError('OUTER', 'o', { cause: e }), (x): x is ConflictError => x instanceof ConflictError)).toBe(e);
  });
});
