/** Errors of the stack engine, each with a stable code. */
import { ConflictError, InvalidError, NotFoundError, UndercloudError } from '../../errors.js';
import { HOOK_TYPES, type HookType } from '../environment/types.js';

/** No root stack has that name or id. */
export class StackNotFoundError extends NotFoundError {
  constructor(name: string) {
    super('STACK_NOT_FOUND', `stack ${name} not found`);
  }
}

/** CreateStack with a name that a stack already has. */
export class StackExistsError extends ConflictError {
  constructor(name: string) {
    super('STACK_EXISTS', `stack ${name} already exists; use update`);
  }
}

/** An update or delete while another action on the stack is in progress. */
export class StackBusyError extends ConflictError {
  constructor(name: string, state: string) {
    super('STACK_IN_PROGRESS', `stack ${name} is ${state}; wait for it to finish or cancel it`);
  }
}

/** A resource's properties cannot be resolved (a function refers to something that has no value). */
export class UnresolvedPropertiesError extends InvalidError {
  constructor(resource: string) {
    super('RESOURCE_PROPERTIES_UNRESOLVED', `resource ${resource}: its properties could not be resolved (a get_attr or get_resource has no value)`);
  }
}

/** Nested stacks went deeper than max_nested_stack_depth. */
export class NestingTooDeepError extends InvalidError {
  constructor(stack: string, max: number) {
    super('STACK_NESTING_TOO_DEEP', `stack ${stack}: nested stacks are deeper than the maximum of ${max}`);
  }
}

/** The pre-flight node count: the pool cannot serve the servers a create or update would allocate. */
export class NotEnoughNodesError extends ConflictError {
  constructor(stack: string, shortfalls: string[]) {
    super('NO_NODE_AVAILABLE', `not enough nodes for stack ${stack}, nothing was changed: ${shortfalls.join('; ')}`);
  }
}

/** A resource or stack action did not finish in time. */
export class ActionTimeoutError extends UndercloudError {
  constructor(what: string, seconds: number) {
    super('TIMEOUT', `${what} timed out after ${seconds} s`);
  }
}

/** The operator cancelled the action. */
export class ActionCancelledError extends UndercloudError {
  constructor(what: string) {
    super('CANCELLED', `${what} cancelled`);
  }
}

/** A signal cleared no pending hook. */
export class HookNotPendingError extends ConflictError {
  constructor(stack: string, pattern: string, hook: HookType | undefined) {
    super('HOOK_NOT_PENDING', `stack ${stack}: no resource matching ${pattern} is paused at ${hook ? `a ${hook} hook` : 'a hook'}`);
  }
}

/** A hook name that is not one of Heat's. */
export class HookInvalidError extends InvalidError {
  constructor(hook: string) {
    super('HOOK_INVALID', `unknown hook "${hook}" (${HOOK_TYPES.join(', ')})`);
  }
}

/** A resource path that names no resource of the stack's tree. */
export class ResourceNotFoundError extends NotFoundError {
  constructor(stack: string, resource: string) {
    super('RESOURCE_NOT_FOUND', `stack ${stack} has no resource ${resource}`);
  }
}

/** A signal to a resource that takes none (only WaitConditionHandles take data; hooks are cleared with unset_hook). */
export class ResourceNotSignallableError extends InvalidError {
  constructor(stack: string, resource: string, type: string) {
    super('RESOURCE_NOT_SIGNALLABLE', `stack ${stack}: resource ${resource} (${type}) takes no signal; send {"unset_hook": HOOK} to clear a hook`);
  }
}

/** `overcloud node delete` named something that is not a server of the stack. */
export class ServerNotInStackError extends NotFoundError {
  constructor(stack: string, target: string, hostnames: string[], hint?: string) {
    super('SERVER_NOT_IN_STACK', `stack ${stack} has no server ${target} (its servers: ${hostnames.length > 0 ? hostnames.join(', ') : 'none'}); name a hostname, a server id or a node${hint ? `; ${hint}` : ''}`);
  }
}

/** A server to remove that no group of the root stack holds: removing it would need a template change. */
export class ServerNotInGroupError extends InvalidError {
  constructor(stack: string, hostname: string, why: string) {
    super('SERVER_NOT_IN_GROUP', `stack ${stack}: server ${hostname} cannot be removed by scaling down: ${why}`);
  }
}

/** A group whose count or removal_policies is not a parameter of its own, so an update cannot scale it around a member. */
export class GroupNotScalableError extends InvalidError {
  constructor(stack: string, group: string, where: string, why: string) {
    super('GROUP_NOT_SCALABLE', `stack ${stack}: group ${group} (${where}) cannot scale down around a member: ${why}`);
  }
}
