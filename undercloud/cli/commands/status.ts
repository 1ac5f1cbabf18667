import type { Command } from 'commander';
import { UndercloudClient, type StatusResponse } from '../../../proto/gen/undercloud/v1/undercloud.js';
import { call, connect } from '../common/client.js';
import { renderData, renderFields } from '../common/output.js';
import { globals, out } from '../common/program.js';

export function formatUptime(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', `${s % 60}s`].filter(Boolean).join(' ');
}

export async function fetchStatus(configFile: string): Promise<StatusResponse> {
  const conn = connect(configFile);
  try {
    const client = conn.client(UndercloudClient);
    return await call(conn, client.status, client, {});
  } finally {
    conn.close();
  }
}

export function statusView(s: StatusResponse) {
  return {
    version: s.version, state: s.state, pid: s.pid, uptime_seconds: Math.round(s.uptimeSeconds * 10) / 10,
    started_at: s.startedAt, socket: s.socketPath, store: s.storePath, last_event_id: s.lastEventId, counts: s.counts,
    problems: s.problems.map((p) => ({ source: p.source, message: p.message, since: p.since })),
  };
}

export function register(program: Command): void {
  program
    .command('status')
    .description('show the daemon: version, uptime, store path and object counts')
    .action(async (_opts, cmd: Command) => {
      const g = globals(cmd);
      const s = await fetchStatus(g.config);
      const view = statusView(s);
      out(renderData(view, g.format, () => renderFields({
        version: view.version, state: view.state, pid: view.pid, uptime: formatUptime(s.uptimeSeconds), socket: view.socket, store: view.store,
        'last event': view.last_event_id, ...Object.fromEntries(Object.entries(view.counts).map(([k, v]) => [`count: ${k}`, v])),
        ...Object.fromEntries(view.problems.map((p) => [`problem: ${p.source}`, p.message])),
      })));
    });
}
