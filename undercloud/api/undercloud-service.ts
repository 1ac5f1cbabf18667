/** undercloud.v1.Undercloud: Status, WatchEvents, ListEvents. Thin: translate, call, translate back. */
import type { Server, ServerWritableStream } from '@grpc/grpc-js';
import { UndercloudService, type Event, type WatchEventsRequest } from '../../proto/gen/undercloud/v1/undercloud.js';
import type { DaemonContext } from '../daemon/context.js';
import { version } from '../version.js';
import { unary } from './grpc-status.js';
import { eventToProto } from './convert/events.js';
import { streamBacklogThenLive } from './backlog-then-live.js';
import type { StoredEvent } from '../store/events.js';

const BACKLOG_PAGE = 500;

export function setup(server: Server, ctx: DaemonContext): void {
  server.addService(UndercloudService, {
    status: unary(ctx.log, () => {
      const counts = ctx.store.counts();
      counts['operations.running'] = ctx.store.operations.countRunning();
      return {
        version: version(),
        uptimeSeconds: (Date.now() - ctx.startedAt.getTime()) / 1000,
        storePath: ctx.store.path,
        counts,
        state: ctx.state(),
        pid: process.pid,
        socketPath: ctx.config.socketPath,
        lastEventId: ctx.store.events.lastId(),
        startedAt: ctx.startedAt.toISOString(),
        problems: ctx.problems.list(),
      };
    }),
    listEvents: unary(ctx.log, (req: { afterId: number; limit: number; kinds: string[]; subjectId: string }) => ({
      events: ctx.store.events.list({ afterId: req.afterId, limit: req.limit > 0 ? Math.min(req.limit, 10_000) : 1000, kinds: req.kinds, subjectId: req.subjectId || undefined }).map(eventToProto),
    })),
    watchEvents: (call: ServerWritableStream<WatchEventsRequest, Event>) => watchEvents(ctx, call),
  });
}

/** The stored events after `afterId`, then live ones, each once, in id order. */
function watchEvents(ctx: DaemonContext, call: ServerWritableStream<WatchEventsRequest, Event>): void {
  const filter = { kinds: call.request.kinds, subjectId: call.request.subjectId || undefined };
  let lastSent = call.request.afterId < 0 ? ctx.store.events.lastId() : call.request.afterId;
  streamBacklogThenLive<StoredEvent>(call, ctx.shutdownSignal, {
    follow: true,
    subscribe: (deliver) => ctx.bus.subscribe(filter, deliver),
    sendBacklog: (send) => {
      for (;;) {
        const page = ctx.store.events.list({ ...filter, afterId: lastSent, limit: BACKLOG_PAGE });
        page.forEach(send);
        if (page.length < BACKLOG_PAGE) break;
      }
    },
    send: (e) => {
      if (e.id <= lastSent) return;
      lastSent = e.id;
      call.write(eventToProto(e));
    },
  });
}
