import { InvalidError, UndercloudError } from '../../errors.js';

/** A resource's resolved properties do not match its type's schema. */
export class PropertiesInvalidError extends InvalidError {
  constructor(type: string, resource: string, detail: string) {
    super('RESOURCE_PROPERTIES_INVALID', `resource ${resource} (${type}): ${detail}`);
  }
}

/** A resource action failed on its peer (a deployment exited non-zero, a node could not be deployed). */
export class ResourceFailure extends UndercloudError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
