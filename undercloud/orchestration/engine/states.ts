/** Heat's stack and resource states: ACTION_STATUS, e.g. CREATE_IN_PROGRESS, UPDATE_FAILED. */
import type { StackAction, StackStatus } from '../../store/stacks.js';

export type { StackAction, StackStatus };

export function stateName(action: StackAction, status: StackStatus): string {
  return `${action}_${status}`;
}

/** Event kinds: prefixes the CLI and WatchStack filter on. */
export const EVENT_RESOURCE = 'stack.resource';
export const EVENT_STACK = 'stack.state';
