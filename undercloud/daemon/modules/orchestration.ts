/**
 * Orchestration as a daemon module: builds the stack engine with the configured server and agent drivers
 * (registering its resumers before recovery runs, so stacks a previous daemon left in progress resume),
 * and serves undercloud.v1.Orchestration.
 */
import { sectionOf } from '../config.js';
import type { DomainModule } from '../modules.js';
import { baremetalServerPort } from '../../baremetal/orchestration-port.js';
import { baremetalService } from './baremetal.js';
import { setup as setupOrchestrationService } from '../../api/orchestration-service.js';
import { orchestrationSection, type OrchestrationConfig } from '../../orchestration/engine/config.js';
import { StackEngine } from '../../orchestration/engine/engine.js';
import { FakeAgent, FakeServers } from '../../orchestration/resources/index.js';
import type { AgentPort, NetworkPort, ServerPort } from '../../orchestration/ports.js';
import { networksService } from './networks.js';
import { networkPort } from '../../networks/orchestration-port.js';
import { agentHub } from './agents.js';
import { agentPort } from '../../agents/orchestration-port.js';

function ports(c: OrchestrationConfig): { servers: ServerPort; agent: AgentPort; networks: NetworkPort } {
  // The networks module starts before this one; its IPAM is real in every configuration (SQLite, no peers).
  const networks = networkPort(networksService());
  // The bare-metal and agents modules start before this one.
  const servers = c.serverDriver === 'baremetal'
    ? baremetalServerPort(baremetalService(), (nodeId) => agentHub().session(nodeId)?.address)
    : new FakeServers({ deployMs: c.fakeServerDeployMs });
  if (c.agentDriver === 'hub') {
    // The agents and bare-metal modules start before this one. A deployment's server is a node id (the
    // bare-metal ServerPort's servers), or an OS::Heat::DeployedServer's name: the node's name, or the hostname
    // `overcloud node provision` deployed it as. Unknown names are passed on: the hub fails the step naming it.
    return { servers, networks, agent: agentPort(agentHub(), (serverId) => baremetalService().nodeIdOfServer(serverId) ?? serverId) };
  }
  return { servers, networks, agent: new FakeAgent({ keepRequests: false, delayMs: c.fakeAgentDelayMs }) };
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
