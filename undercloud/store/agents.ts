/**
 * Agent credentials: one-time enrollment tokens (only their SHA-256 is stored), the enrolled agent of each
 * node with the serial of its one valid certificate, and the set of revoked serials.
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from './store.js';

export type AgentState = 'enrolled' | 'connected' | 'disconnected' | 'lost' | 'revoked';

export interface AgentRecord {
  nodeId: string;
  certSerial: string;
  certExpiresAt: string;
  enrolledAt: string;
  mode: string;
  version: string;
  hostname: string;
  state: AgentState;
  lastSeenAt: string | undefined;
}

export interface EnrollmentTokenRecord {
  tokenHash: string;
  nodeId: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | undefined;
}

interface AgentRow {
  node_id: string; cert_serial: string; cert_expires_at: string; enrolled_at: string; mode: string; version: string;
  hostname: string; state: AgentState; last_seen_at: string | null;
}
interface TokenRow { token_hash: string; node_id: string; created_at: string; expires_at: string; used_at: string | null }

export class AgentsRepo {
  constructor(private readonly store: Store) {}
  private q(sql: string): Statement {
    return this.store.prepare(sql);
  }

  /** Stores a new token for `nodeId` and drops its older unused ones (only the newest is valid). */
  addToken(nodeId: string, tokenHash: string, expiresAt: Date): void {
    const now = new Date().toISOString();
    this.store.tx(() => {
      this.q('DELETE FROM agent_tokens WHERE node_id = ? AND used_at IS NULL').run(nodeId);
      this.q('INSERT INTO agent_tokens (token_hash, node_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(tokenHash, nodeId, now, expiresAt.toISOString());
    });
  }

  token(tokenHash: string): EnrollmentTokenRecord | undefined {
    const r = this.q('SELECT * FROM agent_tokens WHERE token_hash = ?').get(tokenHash) as TokenRow | undefined;
    return r && { tokenHash: r.token_hash, nodeId: r.node_id, createdAt: r.created_at, expiresAt: r.expires_at, usedAt: r.used_at ?? undefined };
  }

  /** Marks a token used; false when another enrollment used it first (one-time). */
  useToken(tokenHash: string): boolean {
    return this.q('UPDATE agent_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL').run(new Date().toISOString(), tokenHash).changes === 1;
  }

  /** Whether the node has an unused enrollment token (expired or not). */
  hasUnusedToken(nodeId: string): boolean {
    return this.q('SELECT 1 FROM agent_tokens WHERE node_id = ? AND used_at IS NULL LIMIT 1').get(nodeId) !== undefined;
  }

  deleteUnusedTokens(nodeId: string): number {
    return this.q('DELETE FROM agent_tokens WHERE node_id = ? AND used_at IS NULL').run(nodeId).changes;
  }

  /**
   * Records the node's new certificate. The previous serial, if any, is revoked in the same transaction:
   * a node has exactly one valid certificate.
   */
  enroll(nodeId: string, serial: string, certExpiresAt: Date): void {
    const now = new Date().toISOString();
    this.store.tx(() => {
      const prev = this.get(nodeId);
      if (prev && prev.certSerial !== serial) this.revokeSerial(prev.certSerial, nodeId, 're-enrolled');
      this.q(`INSERT INTO agents (node_id, cert_serial, cert_expires_at, enrolled_at, state) VALUES (?, ?, ?, ?, 'enrolled')
                  ON CONFLICT(node_id) DO UPDATE SET cert_serial = excluded.cert_serial, cert_expires_at = excluded.cert_expires_at,
                  enrolled_at = excluded.enrolled_at, state = 'enrolled'`)
        .run(nodeId, serial, certExpiresAt.toISOString(), now);
    });
  }

  get(nodeId: string): AgentRecord | undefined {
    const r = this.q('SELECT * FROM agents WHERE node_id = ?').get(nodeId) as AgentRow | undefined;
    return r && fromRow(r);
  }

  list(): AgentRecord[] {
    return (this.q('SELECT * FROM agents ORDER BY node_id').all() as AgentRow[]).map(fromRow);
  }

  setState(nodeId: string, state: AgentState, info: { mode?: string; version?: string; hostname?: string } = {}): void {
    this.q(`UPDATE agents SET state = ?, last_seen_at = ?, mode = coalesce(?, mode), version = coalesce(?, version), hostname = coalesce(?, hostname) WHERE node_id = ?`)
      .run(state, new Date().toISOString(), info.mode ?? null, info.version ?? null, info.hostname ?? null, nodeId);
  }

  revokeSerial(serial: string, nodeId: string, reason: string): void {
    this.q('INSERT OR IGNORE INTO agent_revoked_certs (serial, node_id, revoked_at, reason) VALUES (?, ?, ?, ?)').run(serial, nodeId, new Date().toISOString(), reason);
  }

  /** Revokes the node's certificate and unused tokens; returns what it revoked. */
  revokeNode(nodeId: string, reason: string): { certificates: number; tokens: number } {
    return this.store.tx(() => {
      const tokens = this.deleteUnusedTokens(nodeId);
      const a = this.get(nodeId);
      let certificates = 0;
      if (a && a.state !== 'revoked') {
        this.revokeSerial(a.certSerial, nodeId, reason);
        this.q(`UPDATE agents SET state = 'revoked' WHERE node_id = ?`).run(nodeId);
        certificates = 1;
      }
      return { certificates, tokens };
    });
  }

  revokedSerials(): string[] {
    return (this.q('SELECT serial FROM agent_revoked_certs').all() as { serial: string }[]).map((r) => r.serial);
  }
}

function fromRow(r: AgentRow): AgentRecord {
  return {
    nodeId: r.node_id, certSerial: r.cert_serial, certExpiresAt: r.cert_expires_at, enrolledAt: r.enrolled_at, mode: r.mode,
    version: r.version, hostname: r.hostname, state: r.state, lastSeenAt: r.last_seen_at ?? undefined,
  };
}
