/** The [agents] section of undercloud.conf: where agents connect, heartbeats, token and certificate lifetimes. */
import { defineSection } from '../daemon/config-sections.js';

export interface AgentsConfig {
  /** host:port for agents (TLS); undefined = the [DEFAULT] agent_listen. */
  listen: string | undefined;
  heartbeatIntervalMs: number;
  /** A connected agent silent this long is lost; a disconnected one that stays away this long too. */
  heartbeatTimeoutMs: number;
  tokenTtlSeconds: number;
  certTtlDays: number;
  /** Steps sent and not finished, over all nodes: dispatch waits for a slot (fan-out backpressure). */
  maxInflightSteps: number;
  /** Added to a step's own timeout before the daemon gives up on it (the agent enforces the timeout). */
  timeoutGraceMs: number;
}

const hostPort = '^(\\[[0-9a-fA-F:]+\\]|[0-9.]+|[A-Za-z0-9.-]+):\\d{1,5}$';

export const agentsSection = defineSection<AgentsConfig>({
  name: 'agents',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      listen: { type: 'string', pattern: hostPort, description: 'host:port where node agents connect (TLS); default: agent_listen.' },
      heartbeat_interval: { type: 'number', exclusiveMinimum: 0, maximum: 3600, description: 'Seconds between heartbeats, both ways.' },
      heartbeat_timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86400, description: 'Seconds of silence after which an agent is lost.' },
      token_ttl: { type: 'integer', minimum: 1, maximum: 31536000, description: 'Lifetime of an enrollment token, in seconds.' },
      cert_ttl_days: { type: 'integer', minimum: 1, maximum: 3650, description: 'Lifetime of an agent client certificate, in days.' },
      max_inflight_steps: { type: 'integer', minimum: 1, maximum: 1000000 },
      timeout_grace: { type: 'number', minimum: 0, maximum: 3600, description: 'Seconds added to a step timeout before the daemon fails it.' },
    },
  },
  compile: (raw) => ({
    listen: raw.listen === undefined ? undefined : String(raw.listen),
    heartbeatIntervalMs: Math.round(Number(raw.heartbeat_interval ?? 10) * 1000),
    heartbeatTimeoutMs: Math.round(Number(raw.heartbeat_timeout ?? 60) * 1000),
    tokenTtlSeconds: Number(raw.token_ttl ?? 86400),
    certTtlDays: Number(raw.cert_ttl_days ?? 30),
    maxInflightSteps: Number(raw.max_inflight_steps ?? 4096),
    timeoutGraceMs: Math.round(Number(raw.timeout_grace ?? 30) * 1000),
  }),
});
