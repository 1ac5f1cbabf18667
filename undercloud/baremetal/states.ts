/**
 * Ironic's provision-state machine as data (ironic/common/states.py + state_machine.py), with Ironic's exact
 * state strings. The table is immutable and `nextState` is pure: the conductor applies it and saves each
 * transition; nothing else flips a node's provision_state. Facts: ../shared/reference/ironic-states.md.
 */
import { InvalidStateError } from './errors.js';

export const PROVISION_STATES = [
  'enroll', 'verifying', 'manageable',
  'inspecting', 'inspect wait', 'inspect failed',
  'cleaning', 'clean wait', 'clean hold', 'clean failed', 'available',
  'deploying', 'wait call-back', 'deploy hold', 'deploy failed', 'active',
  'deleting', 'error',
  'rescuing', 'rescue wait', 'rescue', 'rescue failed', 'unrescuing', 'unrescue failed',
  'adopting', 'adopt failed',
  'servicing', 'service wait', 'service hold', 'service failed',
] as const;
export type ProvisionState = (typeof PROVISION_STATES)[number];

export const PROVISION_EVENTS = [
  'manage', 'inspect', 'provide', 'clean', 'deploy', 'rebuild', 'delete', 'rescue', 'unrescue', 'adopt', 'service',
  'done', 'fail', 'wait', 'resume', 'abort', 'hold', 'unhold',
] as const;
export type ProvisionEvent = (typeof PROVISION_EVENTS)[number];

export interface Transition {
  readonly from: ProvisionState;
  readonly event: ProvisionEvent;
  readonly to: ProvisionState;
}

const t = (from: ProvisionState, event: ProvisionEvent, to: ProvisionState): Transition => Object.freeze({ from, event, to });

export const TRANSITIONS: readonly Transition[] = Object.freeze([
  // Enrollment and verification: `overcloud node manage` / import validates power credentials.
  t('enroll', 'manage', 'verifying'),
  t('verifying', 'done', 'manageable'),
  t('verifying', 'fail', 'enroll'),
  // Inspection: `overcloud node introspect`.
  t('manageable', 'inspect', 'inspecting'),
  t('inspecting', 'done', 'manageable'),
  t('inspecting', 'wait', 'inspect wait'), // ramdisk booted, waiting for the agent's inventory
  t('inspecting', 'fail', 'inspect failed'),
  t('inspect wait', 'resume', 'inspecting'),
  t('inspect wait', 'done', 'manageable'),
  t('inspect wait', 'fail', 'inspect failed'),
  t('inspect wait', 'abort', 'inspect failed'),
  t('inspect failed', 'manage', 'manageable'),
  t('inspect failed', 'inspect', 'inspecting'),
  // Cleaning: `provide` (automated, ends available) and `clean` (manual, ends manageable via `manage`).
  t('manageable', 'provide', 'cleaning'),
  t('manageable', 'clean', 'cleaning'),
  t('cleaning', 'done', 'available'),
  t('cleaning', 'manage', 'manageable'),
  t('cleaning', 'wait', 'clean wait'),
  t('cleaning', 'hold', 'clean hold'),
  t('cleaning', 'fail', 'clean failed'),
  t('clean wait', 'resume', 'cleaning'),
  t('clean wait', 'hold', 'clean hold'),
  t('clean wait', 'fail', 'clean failed'),
  t('clean wait', 'abort', 'clean failed'),
  t('clean hold', 'unhold', 'clean wait'),
  t('clean hold', 'abort', 'clean failed'),
  t('clean failed', 'manage', 'manageable'),
  t('available', 'manage', 'manageable'),
  // Deploy: the server resource / `node provision`.
  t('available', 'deploy', 'deploying'),
  t('deploying', 'wait', 'wait call-back'),
  t('deploying', 'hold', 'deploy hold'),
  t('deploying', 'done', 'active'),
  t('deploying', 'fail', 'deploy failed'),
  t('wait call-back', 'resume', 'deploying'),
  t('wait call-back', 'hold', 'deploy hold'),
  t('wait call-back', 'fail', 'deploy failed'),
  t('wait call-back', 'abort', 'deploy failed'),
  t('wait call-back', 'delete', 'deleting'),
  t('deploy hold', 'unhold', 'wait call-back'),
  t('deploy hold', 'abort', 'deploy failed'),
  t('deploy failed', 'rebuild', 'deploying'),
  t('deploy failed', 'deploy', 'deploying'),
  t('deploy failed', 'delete', 'deleting'),
  // Rebuild and teardown: `overcloud node rebuild` / unprovision (undeploy always goes through cleaning).
  t('active', 'rebuild', 'deploying'),
  t('error', 'rebuild', 'deploying'),
  t('active', 'delete', 'deleting'),
  t('error', 'delete', 'deleting'),
  t('deleting', 'clean', 'cleaning'),
  t('deleting', 'fail', 'error'),
  // Rescue.
  t('active', 'rescue', 'rescuing'),
  t('rescuing', 'done', 'rescue'),
  t('rescuing', 'wait', 'rescue wait'),
  t('rescuing', 'fail', 'rescue failed'),
  t('rescue wait', 'resume', 'rescuing'),
  t('rescue wait', 'fail', 'rescue failed'),
  t('rescue wait', 'abort', 'rescue failed'),
  t('rescue wait', 'delete', 'deleting'),
  t('rescue', 'rescue', 'rescuing'),
  t('rescue', 'unrescue', 'unrescuing'),
  t('rescue', 'delete', 'deleting'),
  t('rescue failed', 'rescue', 'rescuing'),
  t('rescue failed', 'unrescue', 'unrescuing'),
  t('rescue failed', 'delete', 'deleting'),
  t('unrescuing', 'done', 'active'),
  t('unrescuing', 'fail', 'unrescue failed'),
  t('unrescue failed', 'rescue', 'rescuing'),
  t('unrescue failed', 'unrescue', 'unrescuing'),
  t('unrescue failed', 'delete', 'deleting'),
  // Adoption: import an already-deployed node without reimaging it.
  t('manageable', 'adopt', 'adopting'),
  t('adopting', 'done', 'active'),
  t('adopting', 'fail', 'adopt failed'),
  t('adopt failed', 'adopt', 'adopting'),
  t('adopt failed', 'manage', 'manageable'),
  // Servicing: day-2 steps on a deployed node.
  t('active', 'service', 'servicing'),
  t('servicing', 'done', 'active'),
  t('servicing', 'wait', 'service wait'),
  t('servicing', 'hold', 'service hold'),
  t('servicing', 'fail', 'service failed'),
  t('service wait', 'resume', 'servicing'),
  t('service wait', 'hold', 'service hold'),
  t('service wait', 'fail', 'service failed'),
  t('service wait', 'abort', 'service failed'),
  t('service wait', 'delete', 'deleting'),
  t('service hold', 'service', 'servicing'),
  t('service hold', 'unhold', 'service wait'),
  t('service hold', 'fail', 'service failed'),
  t('service hold', 'abort', 'service failed'),
  t('service failed', 'service', 'servicing'),
  t('service failed', 'rescue', 'rescuing'),
  t('service failed', 'wait', 'service wait'),
  t('service failed', 'hold', 'service hold'),
  t('service failed', 'delete', 'deleting'),
  t('service failed', 'abort', 'active'),
]);

export type StateKind = 'stable' | 'active' | 'wait' | 'hold' | 'failed';

export interface StateInfo {
  readonly stable: boolean;
  readonly kind: StateKind;
  /** For *ing, wait and hold states: where a failure (or a stuck node) goes. */
  readonly failState: ProvisionState | undefined;
}

const info = (kind: StateKind, failState?: ProvisionState): StateInfo => Object.freeze({ stable: kind === 'stable', kind, failState });

export const STATES: Readonly<Record<ProvisionState, StateInfo>> = Object.freeze({
  enroll: info('stable'),
  verifying: info('active', 'enroll'),
  manageable: info('stable'),
  inspecting: info('active', 'inspect failed'),
  'inspect wait': info('wait', 'inspect failed'),
  'inspect failed': info('failed'),
  cleaning: info('active', 'clean failed'),
  'clean wait': info('wait', 'clean failed'),
  'clean hold': info('hold', 'clean failed'),
  'clean failed': info('failed'),
  available: info('stable'),
  deploying: info('active', 'deploy failed'),
  'wait call-back': info('wait', 'deploy failed'),
  'deploy hold': info('hold', 'deploy failed'),
  'deploy failed': info('failed'),
  active: info('stable'),
  deleting: info('active', 'error'),
  error: info('stable'),
  rescuing: info('active', 'rescue failed'),
  'rescue wait': info('wait', 'rescue failed'),
  rescue: info('stable'),
  'rescue failed': info('failed'),
  unrescuing: info('active', 'unrescue failed'),
  'unrescue failed': info('failed'),
  adopting: info('active', 'adopt failed'),
  'adopt failed': info('failed'),
  servicing: info('active', 'service failed'),
  'service wait': info('wait', 'service failed'),
  'service hold': info('hold', 'service failed'),
  'service failed': info('failed'),
});

/**
 * Nodes left in these states by a conductor that died are moved to the fail state on start-up (Ironic's
 * STUCK_STATES_TREATED_AS_FAIL); each is reached with the `fail` event so the move is a legal transition.
 */
export const STUCK_STATE_RECOVERY: Readonly<Partial<Record<ProvisionState, ProvisionState>>> = Object.freeze({
  deploying: 'deploy failed',
  cleaning: 'clean failed',
  verifying: 'enroll',
  inspecting: 'inspect failed',
  adopting: 'adopt failed',
  rescuing: 'rescue failed',
  unrescuing: 'unrescue failed',
  deleting: 'error',
});

/** States a node may be deleted in ([conductor]allow_deleting_available_nodes adds available). */
export const DELETABLE_STATES: readonly ProvisionState[] = Object.freeze(['manageable', 'enroll', 'adopt failed']);

/** States where the node should boot the deploy ramdisk from the network (everything else boots locally). */
export const RAMDISK_STATES: readonly ProvisionState[] = Object.freeze([
  'inspecting', 'inspect wait', 'cleaning', 'clean wait', 'deploying', 'wait call-back', 'rescuing', 'rescue wait', 'servicing', 'service wait',
]);

const index: ReadonlyMap<string, ProvisionState> = new Map(TRANSITIONS.map((x) => [`${x.from}\u0000${x.event}`, x.to]));

export function isProvisionState(s: string): s is ProvisionState {
  return (PROVISION_STATES as readonly string[]).includes(s);
}

export function isProvisionEvent(s: string): s is ProvisionEvent {
  return (PROVISION_EVENTS as readonly string[]).includes(s);
}

/** The state `event` leads to from `state`; throws InvalidStateError when the table has no such transition. */
export function nextState(state: ProvisionState, event: ProvisionEvent, nodeName?: string): ProvisionState {
  const to = index.get(`${state}\u0000${event}`);
  if (to === undefined) throw new InvalidStateError(state, event, nodeName);
  return to;
}

export function canProcess(state: ProvisionState, event: ProvisionEvent): boolean {
  return index.has(`${state}\u0000${event}`);
}

/** Events allowed from `state`, in table order. */
export function allowedEvents(state: ProvisionState): ProvisionEvent[] {
  return TRANSITIONS.filter((x) => x.from === state).map((x) => x.event);
}
