/** Shared pieces of the `undercloud agent` commands: the client, option parsers, the agent and step views. */
import { InvalidArgumentError, type Command } from 'commander';
import { AgentsClient, type AgentInfo, type StepInfo } from '../../../proto/gen/undercloud/v1/agents.js';
import { BaremetalClient } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { call, connect, type Connection } from '../common/client.js';
import type { Column } from '../common/output.js';
import { globals } from '../common/program.js';

export const AGENT_STATES = ['enrolled', 'connected', 'disconnected', 'lost', 'revoked'] as const;
export const STEP_STATES = ['pending', 'sent', 'running', 'succeeded', 'failed'] as const;

/** Runs `fn` with an Agents client on the daemon socket, closing it afterwards. */
export async function withAgents<T>(cmd: Command, fn: (conn: Connection, client: AgentsClient) => Promise<T>): Promise<T> {
  const conn = connect(globals(cmd).config);
  try {
    return await fn(conn, conn.client(AgentsClient));
  } finally {
    conn.close();
  }
}

/** Commander parser for a whole number of seconds in [min, max]. */
export function seconds(min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number of seconds from ${min} to ${max}.`);
    return n;
  };
}

export function choice<T extends string>(allowed: readonly T[]): (v: string) => T {
  return (v: string) => {
    if (!allowed.includes(v as T)) throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}.`);
    return v as T;
  };
}

const orNull = (s: string) => s || null;

export const agentView = (a: AgentInfo) => ({
  node_id: a.nodeId, state: a.state, mode: orNull(a.mode), version: orNull(a.version), hostname: orNull(a.hostname), last_seen_at: orNull(a.lastSeenAt),
  cert_serial: orNull(a.certSerial), cert_expires_at: orNull(a.certExpiresAt),
});

export const agentColumns: Column<AgentInfo>[] = [
  { header: 'Node', get: (a) => a.nodeId },
  { header: 'State', get: (a) => a.state },
  { header: 'Mode', get: (a) => a.mode },
  { header: 'Version', get: (a) => a.version },
  { header: 'Hostname', get: (a) => a.hostname },
  { header: 'Last Seen', get: (a) => a.lastSeenAt },
  { header: 'Certificate', get: (a) => a.certSerial },
  { header: 'Expires', get: (a) => a.certExpiresAt },
];

function outputsOf(s: StepInfo): Record<string, unknown> {
  try {
    return JSON.parse(s.outputsJson || '{}') as Record<string, unknown>;
  } catch {
    return { _invalid_outputs_json: s.outputsJson };
  }
}

export const stepView = (s: StepInfo) => ({
  id: s.id, node_id: s.nodeId, kind: s.kind, state: s.state, attempts: s.attempts, changed: s.changed, error_code: orNull(s.errorCode),
  error_message: orNull(s.errorMessage), created_at: s.createdAt, finished_at: orNull(s.finishedAt), outputs: outputsOf(s),
});

export const stepColumns: Column<StepInfo>[] = [
  { header: 'ID', get: (s) => s.id },
  { header: 'Kind', get: (s) => s.kind },
  { header: 'State', get: (s) => s.state },
  { header: 'Attempts', get: (s) => s.attempts },
  { header: 'Changed', get: (s) => (s.state === 'succeeded' ? s.changed : '') },
  { header: 'Error', get: (s) => (s.errorCode ? `${s.errorCode}: ${s.errorMessage}`.slice(0, 80) : '') },
  { header: 'Created', get: (s) => s.createdAt },
  { header: 'Finished', get: (s) => s.finishedAt },
];

/** The `agent` command group (created once; agent-run.ts adds to it). */
export function agentCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'agent');
  if (existing) return existing;
  return program.command('agent').description('node agents: enrollment tokens, sessions, revocation, steps');
}

/** The id of an enrolled bare-metal node named `node`; anything else is taken as an agent's node id as given. */
export async function enrolledNodeId(conn: Connection, node: string): Promise<string> {
  const bm = conn.client(BaremetalClient);
  try {
    return (await call(conn, bm.getNode, bm, { node })).node?.id ?? node;
  } catch {
    return node;
  }
}
