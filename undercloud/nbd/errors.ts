/**
 * Errors of the NBD client and image writer. Codes are stable; code branches on `code`/`instanceof`.
 * Kinds: a peer that misbehaves, is gone or is slow is Unavailable; a bad URI or an image that cannot fit
 * is Invalid; an option the server refuses is a Conflict between what we ask and what it offers.
 */
import { ConflictError, InvalidError, UnavailableError } from '../errors.js';
import { cmdName, errnoName, repName } from './constants.js';

/** The server broke the protocol: wrong magic, truncated message, unknown cookie, oversized reply. */
export class NbdProtocolError extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NBD_PROTOCOL', message, options);
  }
}

/** The connection closed or failed (the session cannot be used any more; a writer may reconnect). */
export class NbdDisconnectedError extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NBD_DISCONNECTED', message, options);
  }
}

/** A wait (handshake read, command reply, connect) took longer than its timeout. */
export class NbdTimeoutError extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NBD_TIMEOUT', message, options);
  }
}

/** The server answered a command with an error; `errno` is its name (EIO, ENOSPC, ...). */
export class NbdCommandError extends UnavailableError {
  readonly errno: string;
  readonly errnoValue: number;
  readonly command: string;
  constructor(command: number, errno: number, detail?: string) {
    const name = errnoName(errno);
    super(`NBD_${name}`, `${cmdName(command)} failed: ${name}${detail ? `: ${detail}` : ''}`);
    this.errno = name;
    this.errnoValue = errno;
    this.command = cmdName(command);
  }
}

/** The server refused an option during negotiation (NBD_REP_ERR_*); `reply` is the reply's name. */
export class NbdOptionError extends ConflictError {
  readonly reply: string;
  readonly replyType: number;
  constructor(what: string, replyType: number, detail?: string) {
    const name = repName(replyType);
    super(`NBD_OPTION_REFUSED`, `${what}: server replied ${name}${detail ? `: ${detail}` : ''}`);
    this.reply = name;
    this.replyType = replyType;
  }
}

/** TLS was required (nbds://) but the server cannot do it, or the TLS handshake failed. */
export class NbdTlsError extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NBD_TLS', message, options);
  }
}

/** The URI is not an NBD URI we can use. */
export class NbdUriError extends InvalidError {
  constructor(uri: string, detail: string) {
    super('NBD_URI_INVALID', `${uri}: ${detail}`);
  }
}

/** A request would fall outside the export, break its block-size constraints, or needs a missing feature. */
export class NbdRequestError extends InvalidError {
  constructor(message: string) {
    super('NBD_REQUEST_INVALID', message);
  }
}

/** The image is larger than the export, or the export is read-only. */
export class NbdTargetError extends InvalidError {
  constructor(message: string) {
    super('NBD_TARGET_UNSUITABLE', message);
  }
}

/** The image file cannot be read or its format is not supported. */
export class ImageSourceError extends InvalidError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IMAGE_SOURCE_INVALID', message, options);
  }
}

/** Reading back the target gave a different digest from the one computed while writing. */
export class NbdVerifyError extends UnavailableError {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super('NBD_VERIFY_FAILED', `read-back digest ${actual} differs from written digest ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The image's logical content does not have the SHA-256 it was expected to have (the image store's record):
 * the image file changed or is corrupt. Found once all of it was read, so the target holds that content.
 */
export class ImageDigestMismatchError extends InvalidError {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super('IMAGE_SHA256_MISMATCH', `the image's content has sha256 ${actual}, expected ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** Errors after which a fresh connection may succeed (a writer reconnects and resumes on these). */
export function isRetryable(err: unknown): boolean {
  return err instanceof NbdDisconnectedError || err instanceof NbdTimeoutError || (err instanceof NbdCommandError && err.errno === 'ESHUTDOWN');
}
