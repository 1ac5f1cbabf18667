/** undercloud.v1.Orchestration: stacks. Thin: translate, call the engine, translate back. */
import type { Server } from '@grpc/grpc-js';
import { OrchestrationService } from '../../proto/gen/undercloud/v1/orchestration.js';
import type { DaemonContext } from '../daemon/context.js';
import type { StackEngine } from '../orchestration/engine/engine.js';
import { unary } from './grpc-status.js';
import { eventToProto } from './convert/events.js';
import type { RemoveServersRequest, RemoveServersResponse, SignalRequest, SignalResponse } from '../../proto/gen/undercloud/v1/orchestration.js';
import { failureToProto, parseJson, resourceToProto, stackRequestFromProto, stackToProto } from './convert/stacks.js';
import { InvalidError } from '../errors.js';

/** To a WaitConditionHandle by reference id, or to a resource by stack and path (hooks are cleared this way). */
function signalResource(engine: StackEngine, req: SignalRequest): SignalResponse {
  const data = req.dataJson ? parseJson(req.dataJson, 'data_json') : {};
  if (req.stack || req.resource) {
    if (!req.stack || !req.resource) throw new InvalidError('SIGNAL_TARGET_REQUIRED', 'a resource signal needs both stack and resource');
    return engine.signalResource(req.stack, req.resource, data);
  }
  if (!req.handleId) throw new InvalidError('SIGNAL_TARGET_REQUIRED', 'a signal needs handle_id, or stack and resource');
  return { sequence: engine.signal(req.handleId, data), cleared: [] };
}

export function setup(server: Server, ctx: DaemonContext, engine: StackEngine): void {
  const summary = (name: string) => {
    const s = engine.get(name);
    return stackToProto(s.stack, s.counts);
  };
  server.addService(OrchestrationService, {
    createStack: unary(ctx.log, (req: Parameters<typeof stackRequestFromProto>[0]) => stackToProto(engine.createStack(stackRequestFromProto(req)))),
    updateStack: unary(ctx.log, (req: Parameters<typeof stackRequestFromProto>[0]) => stackToProto(engine.updateStack(stackRequestFromProto(req)))),
    previewStack: unary(ctx.log, async (req: Parameters<typeof stackRequestFromProto>[0]) => ({ planJson: JSON.stringify(await engine.preview(stackRequestFromProto(req))) })),
    deleteStack: unary(ctx.log, (req: { name: string }) => stackToProto(engine.deleteStack(req.name))),
    cancelStack: unary(ctx.log, (req: { name: string }) => ({ cancelled: engine.cancel(req.name) })),
    getStack: unary(ctx.log, (req: { name: string }) => summary(req.name)),
    listStacks: unary(ctx.log, () => ({ stacks: engine.list().map((s) => stackToProto(s)) })),
    listResources: unary(ctx.log, (req: { name: string; nested: boolean }) => ({ resources: engine.resources(req.name, req.nested).map(resourceToProto) })),
    listStackEvents: unary(ctx.log, (req: { name: string; afterId: number; limit: number }) => ({
      events: engine.events(req.name, req.afterId, req.limit > 0 ? Math.min(req.limit, 10_000) : 1000).map(eventToProto),
    })),
    getOutputs: unary(ctx.log, (req: { name: string }) => ({ outputsJson: JSON.stringify(engine.outputs(req.name)) })),
    listFailures: unary(ctx.log, (req: { name: string }) => ({ stack: summary(req.name), failures: engine.failures(req.name).map(failureToProto) })),
    signalResource: unary(ctx.log, (req: SignalRequest) => signalResource(engine, req)),
    listHooks: unary(ctx.log, (req: { name: string }) => ({ hooks: engine.hooks(req.name) })),
    removeServers: unary(ctx.log, (req: RemoveServersRequest): RemoveServersResponse => {
      const r = engine.removeServers(req.stack, req.servers, req.timeoutMinutes > 0 ? req.timeoutMinutes : undefined);
      return { stack: stackToProto(r.stack), removed: r.removed, counts: r.counts };
    }),
  });
}
