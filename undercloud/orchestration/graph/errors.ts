import { InvalidError } from '../../errors.js';

/** Thrown by a topological sort when the resources depend on each other in a circle; `cycle` names them in order, first = last. */
export class CircularDependencyError extends InvalidError {
  readonly cycle: string[];
  constructor(cycle: string[], where?: string) {
    super('CIRCULAR_DEPENDENCY', `${where ? `${where}: ` : ''}circular dependency: ${cycle.join(' -> ')}`);
    this.cycle = cycle;
  }
}
