/**
 * Domain modules (bare metal, agents, networks, orchestration, images) plug into the daemon here: each may start
 * background work and register recovery resumers before the API opens, add its gRPC services, and stop
 * when the daemon drains. The list is explicit; a domain adds one line.
 */
import type { Server } from '@grpc/grpc-js';
import type { DaemonContext } from './context.js';
import { agentsModule } from './modules/agents.js';
import { imagesModule } from './modules/images.js';
import { baremetalModule } from './modules/baremetal.js';
import { orchestrationModule } from './modules/orchestration.js';
import { networksModule } from './modules/networks.js';

export interface DomainModule {
  readonly name: string;
  /** Called while the daemon is `recovering`, before the API opens and before operations are recovered. */
  start?(ctx: DaemonContext): Promise<void> | void;
  registerServices?(server: Server, ctx: DaemonContext): void;
  stop?(): Promise<void> | void;
}

export function domainModules(): DomainModule[] {
  return [
    agentsModule(),
    imagesModule(),
    baremetalModule(),
    networksModule(),
    orchestrationModule(),
  ];
}
