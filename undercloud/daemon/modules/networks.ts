/** The networks domain (the IPAM of the isolated networks) as a daemon module: serves undercloud.v1.Networks. */
import { setup as setupNetworksService } from '../../api/networks-service.js';
import type { DomainModule } from '../modules.js';
import { NetworksService } from '../../networks/service.js';

let current: NetworksService | undefined;

/** The running daemon's networks service (for the orchestration engine's ports resources). */
export function networksService(): NetworksService {
  if (!current) throw new Error('the networks module is not started');
  return current;
}

export function networksModule(): DomainModule {
  let service: NetworksService | undefined;
  return {
    name: 'networks',
    start(ctx) {
      service = new NetworksService(ctx.store, ctx.bus);
      current = service;
    },
    registerServices(server, ctx) {
      if (service) setupNetworksService(server, ctx, service);
    },
    stop() {
      current = undefined;
    },
  };
}
