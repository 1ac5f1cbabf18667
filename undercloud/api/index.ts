/**
 * The registry of operator API services: each domain's service file exports setup(server, ctx), and this
 * list calls them by name (grpc-js style: nothing registers itself as a side effect of being imported).
 */
import type { Server } from '@grpc/grpc-js';
import type { DaemonContext } from '../daemon/context.js';
import { setup as setupUndercloud } from './undercloud-service.js';

export function registerServices(server: Server, ctx: DaemonContext): void {
  setupUndercloud(server, ctx);
}
