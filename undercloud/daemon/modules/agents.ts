/**
 * The agents domain module: opens the agent endpoint (its own gRPC server on [agents] listen, TLS with
 * optional client certificates), runs the hub, and exposes it to the other domains through `agentHub()`.
 */
import { Server, type ServerCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { DaemonContext } from '../context.js';
import { sectionOf } from '../config.js';
import type { DomainModule } from '../modules.js';
import { ensurePki, loadCa, pkiFiles } from '../../pki/pki.js';
import { AgentsRepo } from '../../store/agents.js';
import { StepsRepo } from '../../store/steps.js';
import { agentsSection } from '../../agents/config.js';
import { agentServerCredentials } from '../../agents/credentials.js';
import { Enrollment } from '../../agents/enrollment.js';
import { Hub } from '../../agents/hub.js';
import { agentServiceImplementation } from '../../agents/transport-grpc.js';
import { setup as setupAgentsApi, type AgentsServiceDeps } from '../../api/agents-service.js';

let current: Hub | undefined;

const BIND_RETRY_MS = 10_000;

/**
 * Binds the agent endpoint. When the address is not (yet) on this host (the provisioning interface is not
 * up, local_ip not configured), the daemon still starts: the operator API works, `undercloud status` shows
 * the problem and how to fix it, and the bind is retried until it succeeds.
 */
function listenWithRetry(server: Server, listen: string, creds: ServerCredentials, ctx: DaemonContext): void {
  const attempt = () => {
    if (ctx.shutdownSignal.aborted) return;
    server.bindAsync(listen, creds, (err, port) => {
      if (!err) {
        ctx.problems.clear('agents');
        ctx.log.info('agent endpoint listening (TLS)', { address: listen, port });
        return;
      }
      const message = `agent endpoint not listening: cannot bind ${listen} (${err.message.replace(/\s+/g, ' ').slice(0, 200)}); nodes cannot connect until it can. Configure local_ip on local_interface, or set agent_listen in ${ctx.config.file}. Retrying every ${BIND_RETRY_MS / 1000} s.`;
      if (!ctx.problems.list().some((p) => p.source === 'agents')) {
        ctx.log.error(message);
        ctx.bus.publish({ kind: 'agents.endpoint_unavailable', subjectType: 'daemon', severity: 'error', message, data: { listen } });
      }
      ctx.problems.set('agents', message);
      setTimeout(attempt, BIND_RETRY_MS).unref();
    });
  };
  attempt();
}

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
      hub.start();
      current = hub;
      listenWithRetry(server, listen, creds, ctx);
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
