/**
 * Orchestration as a daemon module: builds the stack engine with the configured server and agent drivers
 * (registering its resumers before recovery runs, so stacks a previous daemon left in progress resume),
 * and serves undercloud.v1.Orchestration.
 */
import { sectionOf } from '../daemon/config.js';
import type { DomainModule } from '../daemon/modules.js';
import { InvalidError } from '../errors.js';
import { setup as setupOrchestrationService } from '../api/orchestration-service.js';
import { orchestrationSection, type OrchestrationConfig } from './engine/config.js';
import { StackEngine } from './engine/engine.js';
import { FakeAgent, FakeServers } from './resources/index.js';
import type { AgentPort, ServerPort } from './ports.js';

function ports(c: OrchestrationConfig): { servers: ServerPort; agent: AgentPort } {
  // The real ports arrive with the bare-metal service and the agent hub; until they are wired here, asking
  // for them is a configuration error rather than a silent fake.
  if (c.serverDriver !== 'fake') throw new InvalidError('ORCHESTRATION_DRIVER_UNAVAILABLE', `[orchestration] server_driver = ${c.serverDriver} is not available in this build; use fake`);
  if (c.agentDriver !== 'fake') throw new InvalidError('ORCHESTRATION_DRIVER_UNAVAILABLE', `[orchestration] agent_driver = ${c.agentDriver} is not available in this build; use fake`);
  return { servers: new FakeServers({ deployMs: c.fakeServerDeployMs }), agent: new FakeAgent({ keepRequests: false, delayMs: c.fakeAgentDelayMs }) };
}

export function orchestrationModule(): DomainModule {
  let engine: StackEngine | undefined;
  return {
    name: 'orchestration',
    start(ctx) {
      const c = sectionOf(ctx.config, orchestrationSection) ?? orchestrationSection.compile({}, (p) => p);
      engine = new StackEngine(ctx.store, ctx.bus, ctx.log, ctx.operations, ports(c), ctx.shutdownSignal, {
        concurrency: c.concurrency, resourceTimeoutSeconds: c.resourceTimeoutSeconds, maxNestedDepth: c.maxNestedDepth, pollMaxMs: c.pollMaxMs,
      });
    },
    registerServices(server, ctx) {
      if (engine) setupOrchestrationService(server, ctx, engine);
    },
    stop() {
      engine?.persister.flush();
    },
  };
}
