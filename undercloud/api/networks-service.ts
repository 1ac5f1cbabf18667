/** undercloud.v1.Networks: ProvisionNetworks, ListNetworks, UnprovisionNetworks, ListPorts. Thin: translate, call, translate back. */
import type { Server } from '@grpc/grpc-js';
import {
  NetworksService as NetworksGrpc, type ListPortsRequest, type Network as NetworkMessage, type ProvisionNetworksRequest, type UnprovisionNetworksRequest,
} from '../../proto/gen/undercloud/v1/networks.js';
import type { DaemonContext } from '../daemon/context.js';
import type { NetworksService } from '../networks/service.js';
import type { Network, NetworkSpec } from '../networks/types.js';
import { unary } from './grpc-status.js';

export function networkToProto(n: Network): NetworkMessage {
  return {
    id: n.id, name: n.name, nameLower: n.nameLower, mtu: n.mtu, vip: n.vip, dnsDomain: n.dnsDomain ?? '', portCount: n.portCount, createdAt: n.createdAt, updatedAt: n.updatedAt,
    subnets: n.subnets.map((s) => ({ name: s.name, cidr: s.cidr, gateway: s.gateway ?? '', vlan: s.vlan ?? 0, allocationPools: s.allocationPools })),
  };
}

export function networkFromProto(m: NetworkMessage): NetworkSpec {
  return {
    name: m.name, nameLower: m.nameLower || m.name.toLowerCase(), mtu: m.mtu || 1500, vip: m.vip, ...(m.dnsDomain ? { dnsDomain: m.dnsDomain } : {}),
    subnets: m.subnets.map((s) => ({ name: s.name, cidr: s.cidr, ...(s.gateway ? { gateway: s.gateway } : {}), ...(s.vlan ? { vlan: s.vlan } : {}), allocationPools: s.allocationPools.map((p) => ({ start: p.start, end: p.end })) })),
  };
}

export function setup(server: Server, ctx: DaemonContext, networks: NetworksService): void {
  server.addService(NetworksGrpc, {
    provisionNetworks: unary(ctx.log, (req: ProvisionNetworksRequest) => {
      const r = networks.provision(req.networks.map(networkFromProto));
      return { created: r.created, updated: r.updated, unchanged: r.unchanged, networks: r.networks.map(networkToProto) };
    }),
    listNetworks: unary(ctx.log, () => ({ networks: networks.list().map(networkToProto) })),
    unprovisionNetworks: unary(ctx.log, (req: UnprovisionNetworksRequest) => ({ deleted: networks.unprovision(req.all && req.names.length === 0 ? networks.list().map((n) => n.name) : req.names) })),
    listPorts: unary(ctx.log, (req: ListPortsRequest) => ({
      ports: networks.ports(req.network || undefined).map((p) => ({ id: p.id, hostname: p.hostname, network: p.network, subnet: p.subnet, ipAddress: p.ipAddress, cidr: p.cidr, vlan: p.vlan ?? 0 })),
    })),
  });
}
