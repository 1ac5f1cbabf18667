/**
 * The shape every "stored history, then live updates" server stream shares (WatchEvents, NodeLogs): live
 * items are queued while the stored backlog is sent, then flushed, so nothing that happens meanwhile is
 * lost; the caller's `send` drops duplicates (by event id, by log chunk sequence). The stream ends when the
 * client goes away, when the daemon drains, or at once after the backlog when `follow` is false.
 */
import type { ServerWritableStream } from '@grpc/grpc-js';

export interface BacklogThenLive<T> {
  /** Registers for live items; returns the unsubscribe function. Not called when `follow` is false. */
  subscribe(deliver: (item: T) => void): () => void;
  /** Sends the stored items, oldest first, through `send`. */
  sendBacklog(send: (item: T) => void): void;
  /** Writes one item to the call unless it was already sent. */
  send(item: T): void;
  follow: boolean;
}

export function streamBacklogThenLive<T>(call: ServerWritableStream<unknown, unknown>, shutdown: AbortSignal, s: BacklogThenLive<T>): void {
  let catchingUp = true;
  const pending: T[] = [];
  const unsubscribe = s.follow ? s.subscribe((item) => (catchingUp ? pending.push(item) : s.send(item))) : () => undefined;
  const stop = () => {
    unsubscribe();
    shutdown.removeEventListener('abort', end);
  };
  const end = () => {
    stop();
    call.end();
  };
  call.on('cancelled', stop);
  call.on('close', stop);
  call.on('error', stop);
  s.sendBacklog(s.send);
  catchingUp = false;
  pending.splice(0).forEach(s.send);
  if (!s.follow) return end();
  shutdown.addEventListener('abort', end, { once: true });
}
