/**
 * The base of every error the undercloud raises on purpose. Each error has a stable `code` that
 * code and tests match on (never the message), and a gRPC status that the API layer turns it into
 * in exactly one place (api/grpc-status.ts). Kinds follow Ironic: Invalid -> INVALID_ARGUMENT,
 * Conflict -> FAILED_PRECONDITION, NotFound -> NOT_FOUND. Specific errors extend a kind and live
 * beside their domain (orchestration/errors.ts, baremetal/errors.ts, ...).
 */

/**
 * gRPC status codes (fixed by the gRPC spec). Spelled out here rather than imported from grpc-js so that
 * every module that throws an error (and every unit test and CLI start) does not load the gRPC stack.
 */
export const GrpcStatus = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

export class UndercloudError extends Error {
  readonly code: string;
  readonly grpcStatus: GrpcStatusCode;

  constructor(code: string, message: string, options?: { cause?: unknown; grpcStatus?: GrpcStatusCode }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.grpcStatus = options?.grpcStatus ?? GrpcStatus.INTERNAL;
  }
}

/** Input that can never succeed as given (bad config key, bad template, bad instackenv field). */
export class InvalidError extends UndercloudError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, grpcStatus: GrpcStatus.INVALID_ARGUMENT });
  }
}

/** The request is valid but conflicts with the current state (node locked, wrong provision state). */
export class ConflictError extends UndercloudError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, grpcStatus: GrpcStatus.FAILED_PRECONDITION });
  }
}

/** The named object does not exist. */
export class NotFoundError extends UndercloudError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, grpcStatus: GrpcStatus.NOT_FOUND });
  }
}

/** A peer (BMC, NBD server, agent, external command) failed or did not answer in time. */
export class UnavailableError extends UndercloudError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, grpcStatus: GrpcStatus.UNAVAILABLE });
  }
}

/** Thrown when the config file cannot be read or does not validate; names the file and the key. */
export class ConfigError extends InvalidError {
  readonly file: string;
  readonly key: string | undefined;
  readonly line: number | undefined;
  constructor(file: string, key: string | undefined, line: number | undefined, detail: string) {
    const where = line === undefined ? file : `${file}:${line}`;
    super('CONFIG_INVALID', key === undefined ? `${where}: ${detail}` : `${where}: ${key}: ${detail}`);
    this.file = file;
    this.key = key;
    this.line = line;
  }
}

export function isUndercloudError(err: unknown): err is UndercloudError {
  return err instanceof UndercloudError;
}

/** Walks the `cause` chain looking for an error that matches `pred` (Temporal's guards do the same). */
export function findCause<T extends Error>(err: unknown, pred: (e: unknown) => e is T): T | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 16; depth++) {
    if (pred(cur)) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
