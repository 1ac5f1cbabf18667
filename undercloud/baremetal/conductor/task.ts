/**
 * A Task is what `conductor.withNode` hands its callback: the reserved node, its driver set, a logger with
 * the node's fields, and `process(event)` which applies the state machine and saves the transition, a
 * provision history entry and a bus event in one transaction. Nothing else changes provision_state.
 */
import type { Logger } from '../../daemon/logging.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Store } from '../../store/store.js';
import type { NodePatch, NodesRepo } from '../../store/nodes.js';
import type { DriverSet, DriverTask } from '../drivers/interfaces.js';
import type { Node } from '../node.js';
import type { AgentServices } from '../agent/agent-services.js';
import { STATES, nextState, type ProvisionEvent, type ProvisionState } from '../states.js';

/** Where a verb is heading, shown as target_provision_state while the node is between stable states. */
const TARGET_OF: Partial<Record<ProvisionEvent, ProvisionState>> = {
  manage: 'manageable', inspect: 'manageable', provide: 'available', clean: 'manageable', deploy: 'active', rebuild: 'active',
  delete: 'available', rescue: 'rescue', unrescue: 'active', adopt: 'active', service: 'active',
};
const VERBS = new Set<ProvisionEvent>(Object.keys(TARGET_OF) as ProvisionEvent[]);

export interface ProcessOptions {
  /** Recorded as last_error (and in the history/event as an error). */
  error?: string;
  message?: string;
}

export class Task implements DriverTask {
  private current: Node;
  readonly log: Logger;

  constructor(
    private readonly store: Store,
    private readonly nodes: NodesRepo,
    private readonly bus: EventBus,
    node: Node,
    readonly driver: DriverSet,
    readonly purpose: string,
    readonly exclusive: boolean,
    log: Logger,
    readonly agent?: AgentServices,
  ) {
    this.current = node;
    this.log = log.child({ nodeId: node.id, node: node.name, purpose });
  }

  get node(): Node {
    return this.current;
  }

  /** For boot interfaces that need the management interface (ipxe sets the boot device). */
  get management() {
    return this.driver.management;
  }

  /** Applies `event`; throws InvalidStateError (and saves nothing) when the table refuses it. */
  process(event: ProvisionEvent, opts: ProcessOptions = {}): ProvisionState {
    if (!this.exclusive) throw new Error(`task ${this.purpose} on ${this.current.name} is shared; provision changes need an exclusive task`);
    const from = this.current.provisionState;
    const to = nextState(from, event, this.current.name);
    const info = STATES[to];
    const patch: NodePatch = { provisionState: to };
    if (info.stable || info.kind === 'failed') patch.targetProvisionState = null;
    else if (VERBS.has(event)) patch.targetProvisionState = TARGET_OF[event]!;
    if (opts.error !== undefined) patch.lastError = opts.error;
    else if (VERBS.has(event)) patch.lastError = null; // a new action starts with a clean slate, as in Ironic
    const failed = opts.error !== undefined || info.kind === 'failed' || to === 'error';
    const message = opts.error ?? opts.message ?? `${from} -> ${to} (${event})`;
    this.store.tx(() => {
      this.current = this.nodes.update(this.current.id, patch);
      this.nodes.addHistory({ nodeId: this.current.id, event, fromState: from, toState: to, severity: failed ? 'error' : 'info', message, purpose: this.purpose });
      this.bus.publish({
        kind: 'node.provision_state', subjectType: 'node', subjectId: this.current.id, severity: failed ? 'error' : 'info',
        message: `node ${this.current.name}: ${message}`, data: { node: this.current.name, from, to, event, purpose: this.purpose },
      });
    });
    this.log.info('provision state changed', { from, to, event });
    return to;
  }

  /** Saves non-state fields (properties, power state, last_error) and refreshes the task's node. */
  update(patch: Omit<NodePatch, 'provisionState' | 'targetProvisionState'>): Node {
    this.current = this.nodes.update(this.current.id, patch);
    return this.current;
  }

  reload(): Node {
    this.current = this.nodes.get(this.current.id) ?? this.current;
    return this.current;
  }
}
