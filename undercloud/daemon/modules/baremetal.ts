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
      const recovered = conductor.recover();
      if (recovered.failed.length > 0 || recovered.released.length > 0) log.info('bare-metal recovery done', recovered);
      service = new BaremetalService(ctx.store, ctx.bus, log, conductor, { ...cfg, enabledHardwareTypes: ctx.config.enabledHardwareTypes, automatedClean: cfg.automatedClean ?? ctx.config.cleanNodes });
      const nodes = conductor.nodes;
      pxe = new PxeServices(ctx.config, sectionOf(ctx.config, pxeSection), {
        byMac: (mac) => {
          const port = nodes.portByAddress(mac);
          return port ? nodes.get(port.nodeId) : undefined;
        },
        hosts: () => {
          const out = new Map<string, string[]>();
          const names = new Map(nodes.list().map((n) => [n.id, n.name]));
          for (const p of nodes.allPorts()) if (p.pxeEnabled) out.set(names.get(p.nodeId) ?? p.nodeId, [...(out.get(names.get(p.nodeId) ?? p.nodeId) ?? []), p.address]);
          return out;
        },
      }, log);
      await pxe.start();
      service.onPortsChanged(() => pxe?.refreshHosts());
      conductor.startPowerSync(cfg.syncPowerStateIntervalMs, cfg.powerStateSyncMaxRetries);
      conductor.startTimeoutChecks(cfg.checkProvisionStateIntervalMs, waitTimeouts(cfg));
    },
    registerServices(server, ctx) {
      setupApi(server, ctx, this.service());
    },
    async stop() {
      conductor?.stop();
      await pxe?.stop();
    },
  };
}
