// GrpcStatus, not grpc-js's `status`: every command loads this module, and most never open a gRPC channel.
import { GrpcStatus as status, UndercloudError } from '../../errors.js';

/** The daemon does not answer on its socket; the message says how to start it. */
export class DaemonNotRunningError extends UndercloudError {
  constructor(socketPath: string, configFile: string, detail: string) {
    super('DAEMON_NOT_RUNNING', `the undercloud daemon is not running (${detail} on ${socketPath}); start it with "undercloud start --config ${configFile}" or run it in the foreground with "undercloud daemon --config ${configFile}"`, { grpcStatus: status.UNAVAILABLE });
  }
}

/** An error the daemon returned, with the code it carried in the undercloud-error-code trailer. */
export class RemoteError extends UndercloudError {
  constructor(code: string, message: string, grpcCode: number) {
    super(code, message, { grpcStatus: grpcCode as UndercloudError['grpcStatus'] });
  }
}

/** Exit codes: stable, so scripts can branch on them. */
export const EXIT = { ok: 0, error: 1, usage: 2, notRunning: 3, invalid: 4, notFound: 5, conflict: 6, unavailable: 7 } as const;

export function exitCodeFor(err: unknown): number {
  if (!(err instanceof UndercloudError)) return EXIT.error;
  if (err.code === 'DAEMON_NOT_RUNNING') return EXIT.notRunning;
  switch (err.grpcStatus) {
    case status.INVALID_ARGUMENT: return EXIT.invalid;
    case status.NOT_FOUND: return EXIT.notFound;
    case status.FAILED_PRECONDITION:
    case status.ABORTED:
    case status.ALREADY_EXISTS: return EXIT.conflict;
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED: return EXIT.unavailable;
    default: return EXIT.error;
  }
}
