import type { Command } from 'commander';
import { UndercloudClient, type Event } from '../../../proto/gen/undercloud/v1/undercloud.js';
import { call, connect, translateError } from '../common/client.js';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';

const columns = [
  { header: 'ID', get: (e: Event) => e.id },
  { header: 'Time', get: (e: Event) => e.timestamp },
  { header: 'Kind', get: (e: Event) => e.kind },
  { header: 'Subject', get: (e: Event) => e.subjectId },
  { header: 'Severity', get: (e: Event) => e.severity },
  { header: 'Message', get: (e: Event) => e.message },
];

const view = (e: Event) => ({ id: e.id, timestamp: e.timestamp, kind: e.kind, subject_type: e.subjectType, subject_id: e.subjectId, severity: e.severity, message: e.message, data: JSON.parse(e.dataJson || '{}') as unknown });

export function register(program: Command): void {
  program
    .command('events')
    .description('list stored events, or follow them live with --follow (resumable with --after ID)')
    .option('--after <id>', 'only events after this id', '0')
    .option('--kind <prefix...>', 'only events whose kind starts with one of these')
    .option('--subject <id>', 'only events about this subject')
    .option('--limit <n>', 'at most this many (without --follow)', '100')
    .option('--follow', 'keep streaming new events until interrupted', false)
    .action(async (opts: { after: string; kind?: string[]; subject?: string; limit: string; follow: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const conn = connect(g.config);
      const client = conn.client(UndercloudClient);
      const filter = { afterId: Number(opts.after), kinds: opts.kind ?? [], subjectId: opts.subject ?? '' };
      if (!opts.follow) {
        try {
          const res = await call(conn, client.listEvents, client, { ...filter, limit: Number(opts.limit) });
          out(renderData(res.events.map(view), g.format, () => renderTable(res.events, columns)));
        } finally {
          conn.close();
        }
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const stream = client.watchEvents(filter);
        stream.on('data', (e: Event) => out(g.format === 'table' ? `${e.id}\t${e.timestamp}\t${e.severity}\t${e.kind}\t${e.subjectId}\t${e.message}\n` : JSON.stringify(view(e)) + '\n'));
        stream.on('error', (err) => ((err as { code?: number }).code === 1 ? resolve() : reject(translateError(err, conn.config))));
        stream.on('end', resolve);
        process.once('SIGINT', () => stream.cancel());
      }).finally(() => conn.close());
    });
}
