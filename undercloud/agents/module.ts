/**
 * The agents domain module: opens the agent endpoint (its own gRPC server on [agents] listen, TLS with
 * optional client certificates), runs the hub, and exposes it to the other domains through `agentHub()`.
 */
import { Server } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { DaemonContext } from '../daemon/context.js';
import { sectionOf } from '../daemon/config.js';
import type { DomainModule } from '../daemon/modules.js';
import { ensurePki, loadCa, pkiFiles } from '../pki/pki.js';
import { AgentsRepo } from '../store/agents.js';
import { StepsRepo } from '../store/steps.js';
import { agentsSection } from './config.js';
import { agentServerCredentials } from './credentials.js';
import { Enrollment } from './enrollment.js';
import { Hub } from './hub.js';
import { agentServiceImplementation } from './transport-grpc.js';
import { setup as setupAgentsApi, type AgentsServiceDeps } from '../api/agents-service.js';

let current: Hub | undefined;

/** The running daemon's hub (for the bare-metal service and the orchestration engine). */
export function agentHub(): Hub {
  if (!current) throw new Error('the agents module is not started');
  return current;
}

export function agentsModule(): DomainModule {
  let server: Server | undefined;
  let hub: Hub | undefined;
  let apiDeps: AgentsServiceDeps | undefined;
  return {
    name: 'agents',
    async start(ctx: DaemonContext) {
      const config = sectionOf(ctx.config, agentsSection);
      const listen = config.listen ?? ctx.config.agentListen;
      const host = listen.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      await ensurePki(ctx.config.pkiDir, [...new Set(['undercloud', 'localhost', '127.0.0.1', host, ctx.config.localIp.split('/')[0]!])]);
      const f = pkiFiles(ctx.config.pkiDir);
      const caPem = readFileSync(f.caCert, 'utf8');
      const ca = await loadCa(caPem, readFileSync(f.caKey, 'utf8'));
      const agents = new AgentsRepo(ctx.store);
      const steps = new StepsRepo(ctx.store);
      const enrollment = new Enrollment(agents, ca, config.certTtlDays, config.tokenTtlSeconds);
      hub = new Hub({ config, agents, steps, enrollment, bus: ctx.bus, log: ctx.log });
      apiDeps = { hub, agents, steps };
      const { service, impl } = agentServiceImplementation({ hub, enrollment, bus: ctx.bus, log: ctx.log, caPem });
      server = new Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
      server.addService(service, impl);
      const creds = agentServerCredentials(Buffer.from(caPem), readFileSync(f.serverCert), readFileSync(f.serverKey));
      const port = await new Promise<number>((resolve, reject) =>
        server!.bindAsync(listen, creds, (err, p) => (err ? reject(new Error(`cannot listen for agents on ${listen}: ${err.message}`, { cause: err })) : resolve(p))),
      );
      hub.start();
      current = hub;
      ctx.log.info('agent endpoint listening (TLS)', { address: listen, port });
    },
    registerServices(operatorServer, ctx) {
      if (apiDeps) setupAgentsApi(operatorServer, ctx, apiDeps);
    },
    stop() {
      hub?.stop();
      current = undefined;
      const s = server;
      if (!s) return;
      return new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          s.forceShutdown();
          resolve();
        }, 2000);
        s.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
}
