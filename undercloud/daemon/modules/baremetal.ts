/**
 * The bare-metal domain module: builds the conductor and the service from [baremetal], recovers nodes a
 * previous daemon left mid-work (before the API opens), starts the power-state sync and the provisioning
 * network services ([pxe]), and registers the Baremetal gRPC service.
 */
import type { DomainModule } from '../modules.js';
import type { DaemonContext } from '../context.js';
import { sectionOf } from '../config.js';
import { baremetalSection } from '../../baremetal/config.js';
import { pxeSection } from '../../pxe/config.js';
import { Conductor, defaultConductorOptions } from '../../baremetal/conductor/conductor.js';
import { BaremetalService } from '../../baremetal/service.js';
import { PxeServices } from '../../pxe/pxe-services.js';
import { setup as setupApi } from '../../api/baremetal-service.js';
import type { BaremetalConfig } from '../../baremetal/config.js';
import { readFileSync } from 'node:fs';
import { RamdiskTokens, type AgentServices } from '../../baremetal/agent/agent-services.js';
import { deployImageOf, publishDeployRamdisk } from '../../baremetal/agent/images.js';
import type { Node } from '../../baremetal/node.js';
import { writeImage } from '../../nbd/writer.js';
import { pkiFiles } from '../../pki/pki.js';
import { StepsRepo } from '../../store/steps.js';
import type { DaemonContext as Ctx } from '../context.js';
import { agentHub } from './agents.js';
import { imageStore } from './images.js';

const NBD_PORT = 10809;

/** host:port nodes dial: agent_listen, with a wildcard host replaced by local_ip. */
function reachableEndpoint(ctx: Ctx): string {
  const listen = ctx.config.agentListen;
  const m = /^(.*):(\d+)$/.exec(listen);
  const host = m?.[1]?.replace(/^\[|\]$/g, '') ?? '';
  const port = m?.[2] ?? '8444';
  const wildcard = host === '' || host === '0.0.0.0' || host === '::';
  return `${wildcard ? ctx.config.localIp.split('/')[0]! : host}:${port}`;
}

function agentServices(ctx: Ctx, cfg: BaremetalConfig, tokens: RamdiskTokens): AgentServices {
  const steps = new StepsRepo(ctx.store);
  const images = imageStore();
  return {
    hub: agentHub(),
    logTail: (nodeId, stepId, lines = 40) => {
      const text = steps.logs({ nodeId, stepId, limit: 10_000 }).map((c) => c.data).join('');
      return text.split('\n').filter((l) => l !== '').slice(-lines).join('\n');
    },
    resolveImage: (ref) => deployImageOf(images, ref),
    writeImage,
    agentEndpoint: reachableEndpoint(ctx),
    caPem: readFileSync(pkiFiles(ctx.config.pkiDir).caCert, 'utf8'),
    nbdPort: NBD_PORT,
    // Long enough for a ramdisk to boot or an installed system to come up, bounded by the deploy timeout.
    tokenTtlSeconds: Math.max(600, Math.ceil(cfg.deployCallbackTimeoutMs / 1000)),
    ramdiskTokens: tokens,
    progress: (node: Node, p) => {
      ctx.bus.publish({ kind: 'node.deploy_progress', subjectType: 'node', subjectId: node.id, message: `node ${node.name}: ${p.message}`, data: { node: node.name, phase: p.phase, ...(p.data ?? {}) } });
    },
  };
}

/** How long each wait state may wait for the agent, by Ironic option. */
export function waitTimeouts(cfg: BaremetalConfig) {
  return {
    'wait call-back': { ms: cfg.deployCallbackTimeoutMs, option: 'deploy_callback_timeout' },
    'clean wait': { ms: cfg.cleanCallbackTimeoutMs, option: 'clean_callback_timeout' },
    'inspect wait': { ms: cfg.inspectWaitTimeoutMs, option: 'inspect_wait_timeout' },
    'rescue wait': { ms: cfg.rescueCallbackTimeoutMs, option: 'rescue_callback_timeout' },
    'service wait': { ms: cfg.deployCallbackTimeoutMs, option: 'deploy_callback_timeout' },
  } as const;
}

let current: BaremetalService | undefined;

/** The running daemon's bare-metal service (for the orchestration engine's server port). */
export function baremetalService(): BaremetalService {
  if (!current) throw new Error('the bare-metal module is not started');
  return current;
}

export function baremetalModule(): DomainModule & { service(): BaremetalService } {
  let service: BaremetalService | undefined;
  let conductor: Conductor | undefined;
  let pxe: PxeServices | undefined;
  return {
    name: 'baremetal',
    service() {
      if (!service) throw new Error('bare-metal module not started');
      return service;
    },
    async start(ctx: DaemonContext) {
      const cfg = sectionOf(ctx.config, baremetalSection);
      const log = ctx.log.child({ domain: 'baremetal' });
      const defaults = defaultConductorOptions();
      conductor = new Conductor(ctx.store, ctx.bus, log, (kind, subject, detail, body) => ctx.operations.run(kind, subject, detail, body), {
        ...defaults,
        maxConcurrentDeploy: cfg.maxConcurrentDeploy,
        power: { timeoutMs: cfg.powerStateChangeTimeoutMs, retryAttempts: cfg.bmcRetries, retryDelayMs: cfg.bmcRetryIntervalMs, pollMs: 1000 },
      });
      const tokens = new RamdiskTokens();
      conductor.agentServices = agentServices(ctx, cfg, tokens);
      const recovered = conductor.recover();
      if (recovered.failed.length > 0 || recovered.released.length > 0) log.info('bare-metal recovery done', recovered);
      service = new BaremetalService(ctx.store, ctx.bus, log, conductor, { ...cfg, enabledHardwareTypes: ctx.config.enabledHardwareTypes, automatedClean: cfg.automatedClean ?? ctx.config.cleanNodes });
      current = service;
      const nodes = conductor.nodes;
      const pxeCfg = sectionOf(ctx.config, pxeSection);
      pxe = new PxeServices(ctx.config, pxeCfg, {
        byMac: (mac) => {
          const port = nodes.portByAddress(mac);
          return port ? nodes.get(port.nodeId) : undefined;
        },
        agentToken: (nodeId) => tokens.get(nodeId),
        hosts: () => {
          const out = new Map<string, string[]>();
          const names = new Map(nodes.list().map((n) => [n.id, n.name]));
          for (const p of nodes.allPorts()) if (p.pxeEnabled) out.set(names.get(p.nodeId) ?? p.nodeId, [...(out.get(names.get(p.nodeId) ?? p.nodeId) ?? []), p.address]);
          return out;
        },
      }, log, conductor.agentServices.caPem);
      const publish = () => {
        if (!pxeCfg.http || !pxe) return;
        if (publishDeployRamdisk(imageStore(), pxeCfg.deployImage, pxe.httpRoot, pxeCfg.deployKernel, pxeCfg.deployRamdisk)) {
          log.info('deploy ramdisk published', { image: pxeCfg.deployImage, root: pxe.httpRoot });
        }
      };
      publish();
      ctx.bus.subscribe({ kinds: ['image.registered'] }, publish);
      await pxe.start();
      service.onPortsChanged(() => pxe?.refreshHosts());
      conductor.startPowerSync(cfg.syncPowerStateIntervalMs, cfg.powerStateSyncMaxRetries);
      conductor.startTimeoutChecks(cfg.checkProvisionStateIntervalMs, waitTimeouts(cfg));
    },
    registerServices(server, ctx) {
      setupApi(server, ctx, this.service());
    },
    async stop() {
      current = undefined;
      conductor?.stop();
      await pxe?.stop();
    },
  };
}
