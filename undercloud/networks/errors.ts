/** The networks domain's errors (codes are stable; messages name the network, the subnet and the address). */
import { ConflictError, InvalidError, NotFoundError } from '../errors.js';

/** A network description that breaks the rules (validate.ts), or a port request that cannot be served as asked. */
export class NetworkInvalidError extends InvalidError {
  constructor(message: string) {
    super('NETWORK_INVALID', message);
  }
}

export class NetworkNotFoundError extends NotFoundError {
  constructor(message: string) {
    super('NETWORK_NOT_FOUND', message);
  }
}

/** A change that would strand allocated addresses (removing a network or a subnet that has ports, a new CIDR). */
export class NetworkInUseError extends ConflictError {
  constructor(message: string) {
    super('NETWORK_IN_USE', message);
  }
}

/** A fixed address another port holds, or a subnet whose pools are used up. */
export class AddressUnavailableError extends ConflictError {
  constructor(message: string) {
    super('NETWORK_ADDRESS_UNAVAILABLE', message);
  }
}
