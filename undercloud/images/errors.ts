/** Errors of the image store. */
import { ConflictError, InvalidError, NotFoundError } from '../errors.js';

/** No image with that name or id is registered. */
export class ImageNotFoundError extends NotFoundError {
  constructor(nameOrId: string) {
    super('IMAGE_NOT_FOUND', `image ${nameOrId} not found`);
  }
}

/** An image of that name exists and the upload did not ask to replace it. */
export class ImageExistsError extends ConflictError {
  constructor(name: string) {
    super('IMAGE_EXISTS', `image ${name} already exists; upload with --update-existing to replace it`);
  }
}

/** The manifest to register is unreadable, malformed, or names files that are missing. */
export class ImageManifestInvalidError extends InvalidError {
  constructor(file: string, detail: string) {
    super('IMAGE_MANIFEST_INVALID', `${file}: ${detail}`);
  }
}

/** A file's sha256 does not match its manifest (a corrupt or half-written image). */
export class ImageChecksumError extends InvalidError {
  constructor(file: string, expected: string, actual: string) {
    super('IMAGE_CHECKSUM_MISMATCH', `${file}: sha256 ${actual}, manifest says ${expected}`);
  }
}
