/**
 * Errors the image builder raises on purpose. Each has a stable `code` (tests and callers match on it,
 * never on the message) and extends one of the undercloud kinds so the API layer maps it to a status.
 */
import { InvalidError, NotFoundError, UnavailableError } from '../undercloud/errors.js';

/** An element named in a definition or an element-deps file exists in no element path. */
export class MissingElementError extends NotFoundError {
  readonly element: string;
  readonly chain: readonly string[];
  constructor(element: string, chain: readonly string[], searched: readonly string[]) {
    const via = chain.length > 0 ? ` (required by ${chain.join(' -> ')})` : '';
    super('DIB_ELEMENT_MISSING', `element ${element} not found${via}; searched ${searched.join(', ') || '(no element paths)'}`);
    this.element = element;
    this.chain = chain;
  }
}

/** Elements depend on each other in a loop; `chain` starts and ends with the same element. */
export class ElementCycleError extends InvalidError {
  readonly chain: readonly string[];
  constructor(chain: readonly string[]) {
    super('DIB_ELEMENT_CYCLE', `element dependency cycle: ${chain.join(' -> ')}`);
    this.chain = chain;
  }
}

/** Two selected elements provide the same thing (e.g. two `operating-system` elements). */
export class AlreadyProvidedError extends InvalidError {
  readonly provided: string;
  readonly by: readonly string[];
  constructor(provided: string, by: readonly string[]) {
    super('DIB_ALREADY_PROVIDED', `${provided} is provided by more than one element: ${by.join(', ')}`);
    this.provided = provided;
    this.by = by;
  }
}

/** An element directory or file is malformed (bad script name, bad package-installs.yaml). */
export class InvalidElementError extends InvalidError {
  constructor(element: string, detail: string) {
    super('DIB_ELEMENT_INVALID', `element ${element}: ${detail}`);
  }
}

/** The image definition file does not validate; the message names the file and the entry. */
export class InvalidImageDefinitionError extends InvalidError {
  constructor(file: string, detail: string) {
    super('DIB_DEFINITION_INVALID', `${file}: ${detail}`);
  }
}

/** A build setting from the environment (DIB_*) has a value the build cannot use. */
export class InvalidBuildSettingError extends InvalidError {
  constructor(name: string, detail: string) {
    super('DIB_SETTING_INVALID', `${name}: ${detail}`);
  }
}

/** `--offline` was asked for but the cache lacks something the build needs; `missing` names each item. */
export class OfflineCacheMissError extends UnavailableError {
  readonly missing: readonly string[];
  constructor(missing: readonly string[]) {
    super('DIB_OFFLINE_CACHE_MISS', `offline build impossible, not in the cache: ${missing.join('; ')}`);
    this.missing = missing;
  }
}

/** A host tool the build runs is not installed; names the Debian package that provides it. */
export class MissingToolError extends UnavailableError {
  constructor(tool: string, debianPackage: string) {
    super('DIB_TOOL_MISSING', `${tool} not found; install the Debian package ${debianPackage}`);
  }
}

/** The node agent bundle the undercloud-agent element installs is missing (not built, or a wrong DIB_AGENT_BUNDLE). */
export class AgentBundleMissingError extends UnavailableError {
  constructor(detail: string) {
    super('DIB_AGENT_BUNDLE_MISSING', detail);
  }
}

/** A phase script or build command failed; names the phase, the element script and the exit status. */
export class PhaseFailedError extends UnavailableError {
  readonly phase: string;
  readonly script: string;
  constructor(phase: string, script: string, detail: string, options?: { cause?: unknown }) {
    super('DIB_PHASE_FAILED', `${phase}: ${script} failed: ${detail}`, options);
    this.phase = phase;
    this.script = script;
  }
}
