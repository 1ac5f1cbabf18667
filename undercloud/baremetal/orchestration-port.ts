/**
 * The bare-metal service as the orchestration engine's ServerPort (server_driver = baremetal): allocate picks
 * and deploys a node by profile/capabilities, status follows its provision state, release undeploys it.
 * A server id is the node id, which is also its agent's node id, so deployments reach the node agent that
 * enrolled from the config drive. The ctlplane address is the one the node agent connects from. The
 * instance is the node's `instance_info.deployed_at`, set when a deploy or a rebuild finishes.
 */
import type { ServerNeed, ServerPort, ServerRequest, ServerStatus } from '../orchestration/ports.js';
import type { BaremetalService } from './service.js';
import { isProvisionKey } from './allocation.js';

export function baremetalServerPort(service: BaremetalService, addressOf: (nodeId: string) => string | undefined): ServerPort {
  return {
    name: 'baremetal',
    async allocate(req: ServerRequest): Promise<string> {
      const n = await service.allocate({ key: req.key, hostname: req.hostname, profile: req.profile, capabilities: req.capabilities, image: req.image ?? 'overcloud-full' });
      return n.id;
    },
    async status(serverId: string): Promise<ServerStatus> {
      let n;
      try {
        n = service.getNodeUnmasked(serverId);
      } catch {
        return { phase: 'error', error: `node ${serverId} no longer exists` };
      }
      if (n.provisionState === 'active') {
        const ip = addressOf(n.id);
        return { phase: 'active', nodeId: n.id, networks: { ctlplane: ip ? [ip] : [] } };
      }
      if (n.provisionState === 'deploy failed' || n.provisionState === 'error') return { phase: 'error', error: n.lastError ?? `node ${n.name} is ${n.provisionState}` };
      if (n.provisionState === 'available' && !n.reservation) return { phase: 'error', error: `node ${n.name} went back to available before its deploy finished` };
      return { phase: 'deploying', nodeId: n.id };
    },
    async release(serverId: string): Promise<void> {
      // A node `overcloud node provision` adopted is no longer this server's: it stays deployed.
      const key = service.allocationKeyOf(serverId);
      if (key !== undefined && isProvisionKey(key)) return;
      await service.release(serverId);
    },
    lookup(nodeNameOrId: string): string | undefined {
      try {
        return service.getNodeUnmasked(nodeNameOrId).id; // a server id is the node id
      } catch {
        return undefined;
      }
    },
    shortfalls(needs: ServerNeed[]): string[] {
      return service.capacityShortfalls(needs);
    },
    deployedHostname(nodeNameOrId: string): string | undefined {
      try {
        const h = service.getNodeUnmasked(nodeNameOrId).instanceInfo.hostname;
        return typeof h === 'string' ? h : undefined;
      } catch {
        return undefined;
      }
    },
    async instance(serverId: string): Promise<string | undefined> {
      try {
        const at = service.getNodeUnmasked(serverId).instanceInfo.deployed_at;
        return typeof at === 'string' ? at : undefined;
      } catch {
        return undefined; // not a node (a pre-provisioned server's name), or deleted
      }
    },
  };
}
