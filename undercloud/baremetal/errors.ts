/**
 * Errors of the bare-metal service. Each extends a kind from undercloud/errors.ts so the API maps it to a
 * gRPC status in one place; callers match on `code`, never on the message.
 */
import { ConflictError, InvalidError, NotFoundError, UnavailableError, UndercloudError } from '../errors.js';

/** An event is not allowed from the node's current provision state (Ironic's InvalidState). */
export class InvalidStateError extends ConflictError {
  constructor(readonly state: string, readonly event: string, nodeName?: string) {
    super('INVALID_STATE', `${nodeName ? `node ${nodeName}: ` : ''}"${event}" is not allowed in provision state "${state}"`);
  }
}

/** Another task holds the node's reservation (Ironic's NodeLocked). */
export class NodeLockedError extends ConflictError {
  constructor(readonly node: string, readonly holder: string | undefined) {
    super('NODE_LOCKED', `node ${node} is locked by ${holder ?? 'another task'}; try again when that task has finished`);
  }
}

/** No node with that name or id. */
export class NodeNotFoundError extends NotFoundError {
  constructor(readonly node: string) {
    super('NODE_NOT_FOUND', `no node named or with id "${node}"`);
  }
}

/** A node name or MAC address is already enrolled. */
export class NodeExistsError extends ConflictError {
  constructor(message: string) {
    super('NODE_EXISTS', message);
  }
}

/** The node's driver info is missing a parameter or has a bad value (Ironic's MissingParameterValue). */
export class DriverInfoError extends InvalidError {
  constructor(readonly node: string, readonly field: string, detail: string) {
    super('DRIVER_INFO_INVALID', `node ${node}: driver_info.${field}: ${detail}`);
  }
}

/** instackenv.json did not validate; `problems` lists every error, each naming the node and the field. */
export class InstackenvError extends InvalidError {
  constructor(readonly problems: readonly string[]) {
    super('INSTACKENV_INVALID', `instackenv is invalid (${problems.length} error${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
  }
}

/** The BMC did not answer or answered with an error (transient errors are retried before this is thrown). */
export class BmcError extends UnavailableError {
  constructor(readonly node: string, readonly driver: string, detail: string, readonly transient: boolean, options?: { cause?: unknown }) {
    super('BMC_ERROR', `node ${node}: ${driver} BMC: ${detail}`, options);
  }
}

/** The node's power state is unknown, so a state change would be a blind cycle; refused. */
export class PowerStateUnknownError extends ConflictError {
  constructor(readonly node: string) {
    super('POWER_STATE_UNKNOWN', `node ${node}: the power state is unknown; refusing to change it blindly (check the BMC, then run "overcloud node power status")`);
  }
}

/** Why agent-based steps cannot run: the daemon was started without its agents domain (a test or embedding setup). */
export const AGENTS_NOT_RUNNING = 'the agents domain is not running (inspect, clean and deploy through the ramdisk agent need it)';

/** The step cannot run for this node now, and why: the agents domain is not running, or input it needs is missing. */
export class NotAvailableError extends ConflictError {
  constructor(readonly node: string, what: string, why: string) {
    super('NOT_AVAILABLE', `node ${node}: ${what} is not available: ${why}`);
  }
}

/** Ironic's NodeInMaintenance: deploy, rebuild and manual cleaning wait until the operator unsets maintenance. */
export class NodeInMaintenanceError extends ConflictError {
  constructor(readonly node: string, action: string, reason: string | undefined) {
    super('NODE_IN_MAINTENANCE', `node ${node} is in maintenance${reason ? ` (${reason})` : ''}: ${action} is refused until "overcloud node maintenance unset ${node}"`);
  }
}

/** The node cannot be deleted in its state (Ironic allows manageable, enroll, adopt failed, or any state in maintenance). */
export class NodeNotDeletableError extends ConflictError {
  constructor(readonly node: string, readonly state: string) {
    super('NODE_NOT_DELETABLE', `node ${node} is in "${state}"; only nodes in enroll, manageable or adopt failed can be deleted, or a node in maintenance `
      + `(run "overcloud node manage ${node}" first; for hardware that is gone, "overcloud node maintenance set ${node}")`);
  }
}

/** A hardware type or interface name that is not known or not enabled. */
export class UnknownDriverError extends InvalidError {
  constructor(detail: string) {
    super('UNKNOWN_DRIVER', detail);
  }
}

/** An agent step of a node failed: names the node, the step and the cause, with the tail of the agent's log. */
export class AgentStepError extends UndercloudError {
  constructor(readonly node: string, readonly step: string, readonly cause_: string, readonly logTail: string) {
    super('AGENT_STEP_FAILED', `node ${node}: step ${step} failed: ${cause_}${logTail ? `\n--- agent log (last lines) ---\n${logTail}` : ''}`);
  }
}

/** The node's agent did not connect (ramdisk did not boot, wrong network, refused credentials). */
export class AgentNotConnectedError extends UnavailableError {
  constructor(readonly node: string, mode: string, detail: string) {
    super('AGENT_NOT_CONNECTED', `node ${node}: the ${mode} agent did not connect: ${detail}`);
  }
}

/** No enrolled node can serve an allocation (profile/capabilities/state). */
export class NoNodeAvailableError extends ConflictError {
  constructor(message: string) {
    super('NO_NODE_AVAILABLE', message);
  }
}
