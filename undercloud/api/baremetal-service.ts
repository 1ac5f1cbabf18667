/** undercloud.v1.Baremetal: thin translation between the proto messages and BaremetalService. */
import type { Server } from '@grpc/grpc-js';
import { BaremetalService as BaremetalGrpc } from '../../proto/gen/undercloud/v1/baremetal.js';
import type {
  ConfigureRootDeviceRequest, GetNodeRequest, ImportNodesRequest, ListInstancesRequest, ListNodesRequest, ProvisionInstancesRequest, SetMaintenanceRequest, SetPowerStateRequest,
  SetProvisionStateRequest, UnprovisionInstancesRequest, UpdateNodeRequest,
} from '../../proto/gen/undercloud/v1/baremetal.js';
import type { DaemonContext } from '../daemon/context.js';
import type { BaremetalService } from '../baremetal/service.js';
import { unary } from './grpc-status.js';
import { historyToProto, nodeToProto } from './convert/nodes.js';
import { InvalidError } from '../errors.js';
import { isProvisionState } from '../baremetal/states.js';
import type { Node, PowerTarget } from '../baremetal/node.js';

const POWER_TARGETS: readonly string[] = ['power on', 'power off', 'rebooting'];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidError('INSTACKENV_INVALID', `instackenv is not valid JSON: ${(err as Error).message}`);
  }
}

function requireStack(stack: string): string {
  if (!stack) throw new InvalidError('INVALID_ARGUMENT', 'a stack name is required');
  return stack;
}

export function setup(server: Server, ctx: DaemonContext, bm: BaremetalService): void {
  const withPorts = (id: string) => bm.show(id);
  const instances = (list: { hostname: string; node: Node; ctlplaneIp?: string | undefined }[]) => ({
    instances: list.map((i) => ({ hostname: i.hostname, node: nodeToProto(i.node, withPorts(i.node.id).ports), ctlplaneIp: i.ctlplaneIp ?? '' })),
  });
  server.addService(BaremetalGrpc, {
    importNodes: unary(ctx.log, async (req: ImportNodesRequest) => {
      const r = bm.importNodes(parseJson(req.instackenvJson), req.validateOnly);
      if (!req.validateOnly && req.manage) for (const n of r.nodes) await bm.manage(n.id);
      return { nodes: r.nodes.map((n) => (req.validateOnly ? nodeToProto(n) : nodeToProto(bm.show(n.id).node, bm.show(n.id).ports))) };
    }),
    listNodes: unary(ctx.log, (req: ListNodesRequest) => {
      if (req.provisionState && !isProvisionState(req.provisionState)) throw new InvalidError('INVALID_ARGUMENT', `unknown provision state "${req.provisionState}"`);
      return { nodes: bm.list(req.provisionState ? { provisionState: req.provisionState as never } : {}).map((n) => nodeToProto(n, withPorts(n.id).ports)) };
    }),
    getNode: unary(ctx.log, (req: GetNodeRequest) => {
      const v = bm.show(req.node);
      return { node: nodeToProto(v.node, v.ports), history: v.history.map(historyToProto) };
    }),
    setProvisionState: unary(ctx.log, async (req: SetProvisionStateRequest) => {
      const erase = req.erase === 'full' ? 'full' : 'metadata';
      if (req.erase && req.erase !== 'full' && req.erase !== 'metadata') throw new InvalidError('INVALID_ARGUMENT', `erase must be metadata or full, not "${req.erase}"`);
      let r;
      switch (req.verb) {
        case 'manage': r = await bm.manage(req.node); break;
        case 'inspect': r = await bm.introspect(req.node); break;
        case 'provide': r = await bm.provide(req.node); break;
        case 'clean': r = await bm.clean(req.node, erase); break;
        case 'deploy': {
          if (!req.image) throw new InvalidError('INVALID_ARGUMENT', 'deploy needs an image (an image-store disk image name or id)');
          r = await bm.deploy(req.node, { image_source: req.image, ...(req.hostname ? { hostname: req.hostname } : {}), ...(req.sshKeys.length > 0 ? { ssh_keys: req.sshKeys } : {}) });
          break;
        }
        case 'rebuild': r = await bm.deploy(req.node, req.image ? { image_source: req.image } : {}, 'rebuild'); break;
        case 'undeploy': r = await bm.undeploy(req.node); break;
        default: throw new InvalidError('INVALID_ARGUMENT', `unknown provision verb "${req.verb}" (manage, inspect, provide, clean, deploy, rebuild, undeploy)`);
      }
      const v = withPorts(r.node.id);
      return { node: nodeToProto(v.node, v.ports) };
    }),
    deleteNode: unary(ctx.log, async (req: GetNodeRequest) => ({ node: nodeToProto(await bm.delete(req.node)) })),
    setPowerState: unary(ctx.log, async (req: SetPowerStateRequest) => {
      if (!POWER_TARGETS.includes(req.target)) throw new InvalidError('INVALID_ARGUMENT', `power target must be one of ${POWER_TARGETS.join(', ')}, not "${req.target}"`);
      const n = await bm.setPower(req.node, req.target as PowerTarget, AbortSignal.any([ctx.shutdownSignal, AbortSignal.timeout(300_000)]));
      return { node: nodeToProto(n, withPorts(n.id).ports) };
    }),
    updateNode: unary(ctx.log, async (req: UpdateNodeRequest) => {
      const n = await bm.updateNode(req.node, {
        ...(req.name ? { name: req.name } : {}),
        setProperties: req.setProperties, unsetProperties: req.unsetProperties, setCapabilities: req.setCapabilities,
        unsetCapabilities: req.unsetCapabilities, setDriverInfo: req.setDriverInfo, unsetDriverInfo: req.unsetDriverInfo,
      });
      return { node: nodeToProto(n, withPorts(n.id).ports) };
    }),
    configureRootDevice: unary(ctx.log, async (req: ConfigureRootDeviceRequest) => {
      if (req.strategy && req.names.length > 0) throw new InvalidError('ROOT_DEVICE_CHOICE_INVALID', 'give a strategy (smallest, largest) or device names, not both');
      if (!req.strategy && req.names.length === 0) throw new InvalidError('ROOT_DEVICE_CHOICE_INVALID', 'give a strategy (smallest, largest) or device names');
      if (req.strategy && req.strategy !== 'smallest' && req.strategy !== 'largest') throw new InvalidError('ROOT_DEVICE_CHOICE_INVALID', `unknown root device strategy "${req.strategy}" (smallest, largest, or device names)`);
      const choice = req.strategy ? { strategy: req.strategy as 'smallest' | 'largest' } : { names: req.names };
      const r = await bm.configureRootDevice(req.node, choice, req.minimumSizeGib || 4, req.overwrite);
      return { node: nodeToProto(r.node, withPorts(r.node.id).ports), device: r.device ?? '', hintJson: r.hint ? JSON.stringify(r.hint) : '', skipped: r.skipped ?? '', warning: r.warning ?? '' };
    }),
    setMaintenance: unary(ctx.log, (req: SetMaintenanceRequest) => {
      const n = bm.setMaintenance(req.node, req.maintenance, req.reason || undefined);
      return { node: nodeToProto(n, withPorts(n.id).ports) };
    }),
    provisionInstances: unary(ctx.log, async (req: ProvisionInstancesRequest) => {
      const stack = requireStack(req.stack);
      for (const i of req.instances) {
        if (!i.hostname) throw new InvalidError('INVALID_ARGUMENT', 'every instance needs a hostname');
        if (!i.image) throw new InvalidError('INVALID_ARGUMENT', `instance ${i.hostname}: an image is required`);
      }
      return instances(await bm.provisionInstances(stack, req.instances.map((i) => ({
        hostname: i.hostname, node: i.node || undefined, profile: i.profile || undefined, capabilities: i.capabilities, image: i.image, sshKeys: i.sshKeys,
      }))));
    }),
    unprovisionInstances: unary(ctx.log, async (req: UnprovisionInstancesRequest) => instances(await bm.unprovisionInstances(requireStack(req.stack), req.hostnames, req.all))),
    listInstances: unary(ctx.log, (req: ListInstancesRequest) => instances(bm.instances(requireStack(req.stack)))),
    getPowerState: unary(ctx.log, async (req: GetNodeRequest) => {
      const r = await bm.powerStatus(req.node, AbortSignal.any([ctx.shutdownSignal, AbortSignal.timeout(120_000)]));
      return { node: nodeToProto(r.node, withPorts(r.node.id).ports) };
    }),
  });
}
