/**
 * The live progress display of a stack action: resources by state and the latest activity, redrawn on one
 * line on a terminal (one line per event otherwise). It follows the daemon's event stream for the stack's id
 * and re-reads the counts, so it can attach at any time: a restarted CLI (`overcloud status --watch`) picks
 * up where the daemon is. Resolves with the final stack when the root stack leaves IN_PROGRESS.
 */
import { UndercloudClient, type Event } from '../../../proto/gen/undercloud/v1/undercloud.js';
import { OrchestrationClient, type Stack } from '../../../proto/gen/undercloud/v1/orchestration.js';
import { call, translateError, type Connection } from '../common/client.js';

export function summarizeCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([state, n]) => `${n} ${state}`);
  return parts.length === 0 ? 'no resources yet' : parts.join(', ');
}

export interface FollowOptions {
  afterId: number;
  quiet?: boolean;
  /** Only a final state of this action ends the display (a delete that first cancels a create sees CREATE_FAILED go by). */
  untilAction?: string;
}

export async function followStack(conn: Connection, stackName: string, opts: FollowOptions): Promise<Stack> {
  const orch = conn.client(OrchestrationClient);
  const uc = conn.client(UndercloudClient);
  let stack: Stack;
  try {
    stack = await call(conn, orch.getStack, orch, { name: stackName });
  } catch (err) {
    // Followed a delete that finished before we looked: the stack is gone, which is success.
    if ((err as { code?: string }).code !== 'STACK_NOT_FOUND') throw err;
    return { id: stackName, name: stackName, action: 'DELETE', status: 'COMPLETE', statusReason: 'Stack DELETE completed successfully', outputsJson: '{}', createdAt: '', updatedAt: '', resourceCounts: {}, timeoutMinutes: 0 };
  }
  const tty = process.stderr.isTTY === true;
  let last = '';
  let pending: NodeJS.Timeout | undefined;
  const draw = () => {
    const line = `${stack.name} ${stack.action}_${stack.status} | ${summarizeCounts(stack.resourceCounts)}${last ? ` | ${last}` : ''}`;
    if (opts.quiet) return;
    if (tty) process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
  };
  if (stack.status !== 'IN_PROGRESS') return stack;
  draw();
  return new Promise<Stack>((resolve, reject) => {
    const stream = uc.watchEvents({ afterId: opts.afterId, kinds: ['stack.'], subjectId: stack.id });
    let done = false;
    const finish = async () => {
      if (done) return;
      done = true;
      if (pending) clearTimeout(pending);
      stream.cancel();
      try {
        stack = await call(conn, orch.getStack, orch, { name: stack.id });
      } catch (err) {
        // The stack is gone after a successful delete: report the last state seen.
        if ((err as { code?: string }).code !== 'STACK_NOT_FOUND') return reject(err);
        stack = { ...stack, action: 'DELETE', status: 'COMPLETE', statusReason: 'Stack DELETE completed successfully', resourceCounts: {} };
      }
      draw();
      if (tty && !opts.quiet) process.stderr.write('\n');
      resolve(stack);
    };
    stream.on('data', (e: Event) => {
      const data = JSON.parse(e.dataJson || '{}') as { nested?: boolean; status?: string; stackId?: string; action?: string; rollback?: boolean };
      last = e.message;
      if (!tty && !opts.quiet) process.stderr.write(`${e.timestamp} ${e.message}\n`);
      // A failure that a rollback follows is not the end: the display stays until ROLLBACK_COMPLETE or _FAILED.
      const final = data.status !== 'IN_PROGRESS' && data.rollback !== true && (opts.untilAction === undefined || data.action === opts.untilAction);
      if (e.kind.startsWith('stack.state.') && data.stackId === stack.id && final) {
        void finish();
        return;
      }
      if (!pending) {
        pending = setTimeout(() => {
          pending = undefined;
          call(conn, orch.getStack, orch, { name: stack.id }).then((s) => {
            stack = s;
            draw();
          }, () => undefined);
        }, 250);
      }
    });
    stream.on('error', (err) => (done || (err as { code?: number }).code === 1 ? undefined : reject(translateError(err, conn.config))));
    process.once('SIGINT', () => {
      stream.cancel();
      if (tty) process.stderr.write('\n');
      process.stderr.write(`detached; the ${stack.action} continues in the daemon. Re-attach with: overcloud status --stack ${stack.name} --watch\n`);
      process.exit(130);
    });
    // The action may have finished between GetStack and the stream opening.
    call(conn, orch.getStack, orch, { name: stack.id }).then((s) => {
      if (s.status !== 'IN_PROGRESS' && (opts.untilAction === undefined || s.action === opts.untilAction)) void finish();
    }, () => undefined);
  });
}
