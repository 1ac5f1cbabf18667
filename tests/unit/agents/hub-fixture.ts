/** An in-memory hub for unit tests: a :memory: store, a silent logger, a fake clock and fake agent links. */
import winston from 'winston';
import { Store } from '../../../undercloud/store/store.js';
import { AgentsRepo } from '../../../undercloud/store/agents.js';
import { StepsRepo } from '../../../undercloud/store/steps.js';
import { EventBus } from '../../../undercloud/events/event-bus.js';
import { createCa } from '../../../undercloud/pki/pki.js';
import { Enrollment } from '../../../undercloud/agents/enrollment.js';
import { Hub } from '../../../undercloud/agents/hub.js';
import type { AgentsConfig } from '../../../undercloud/agents/config.js';
import type { AgentLink, CloseReason, HubEvent } from '../../../undercloud/agents/events.js';

export const silentLog = winston.createLogger({ transports: [new winston.transports.Console({ silent: true })] });

export class FakeLink implements AgentLink {
  sent: HubEvent[] = [];
  closedWith: CloseReason | undefined;
  send(ev: HubEvent): void {
    this.sent.push(ev);
  }
  close(reason: CloseReason): void {
    this.closedWith = reason;
  }
  steps(): string[] {
    return this.sent.flatMap((e) => (e.type === 'step' ? [e.step.id] : []));
  }
}

export async function hubFixture(over: Partial<AgentsConfig> = {}) {
  const store = Store.open(':memory:');
  const agents = new AgentsRepo(store);
  const steps = new StepsRepo(store);
  const bus = new EventBus(store);
  const clock = { t: 1_000_000 };
  const config: AgentsConfig = {
    listen: undefined, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000, tokenTtlSeconds: 3600, certTtlDays: 1,
    maxInflightSteps: 100, timeoutGraceMs: 1000, ...over,
  };
  const enrollment = new Enrollment(agents, await createCa('test CA'), 1, 3600);
  const make = () => new Hub({ config, agents, steps, enrollment, bus, log: silentLog, now: () => clock.t });
  const hub = make();
  /** Enrolls `nodeId` in the store and attaches a fake link that said hello. */
  const connect = (h: Hub, nodeId: string, serial = `serial-${nodeId}`) => {
    if (agents.get(nodeId)?.certSerial !== serial) agents.enroll(nodeId, serial, new Date(Date.now() + 86_400_000));
    const link = new FakeLink();
    const session = h.attach({ nodeId, serial }, link);
    session.receive({ type: 'hello', mode: 'node', version: 't', hostname: nodeId });
    return { link, session };
  };
  return { store, agents, steps, bus, clock, config, enrollment, hub, make, connect };
}
