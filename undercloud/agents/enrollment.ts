/**
 * Enrollment: a one-time, per-node token (random 256 bits, stored as SHA-256 only, with a TTL) is exchanged
 * for a client certificate signed by the undercloud CA, whose CN is the node id the token was issued for.
 * The agent sends only its public key; its private key never leaves the node.
 */
import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { issueCertificate, type CertificateAuthority } from '../pki/pki.js';
import type { AgentsRepo } from '../store/agents.js';
import { AgentAuthError } from './errors.js';

export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Hex serial without leading zeros, lower case: the form compared everywhere. */
export function normalizeSerial(serial: string): string {
  return serial.toLowerCase().replace(/^0+/, '') || '0';
}

export function newToken(): string {
  // base64url: one token in 64 would start with '-', and `undercloud-agent --token -abc...` reads that as an
  // option (node:util parseArgs refuses it as ambiguous). Operators paste tokens into command lines: draw again.
  for (;;) {
    const token = randomBytes(32).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}

export interface EnrolledCertificate {
  nodeId: string;
  certificatePem: string;
  serial: string;
  expiresAt: Date;
}

export class Enrollment {
  constructor(private readonly repo: AgentsRepo, private readonly ca: CertificateAuthority, private readonly certTtlDays: number, private readonly tokenTtlSeconds: number) {}

  issueToken(nodeId: string, ttlSeconds?: number): { token: string; expiresAt: Date } {
    const token = newToken();
    const expiresAt = new Date(Date.now() + (ttlSeconds && ttlSeconds > 0 ? ttlSeconds : this.tokenTtlSeconds) * 1000);
    this.repo.addToken(nodeId, hashToken(token), expiresAt);
    return { token, expiresAt };
  }

  /** Checks the token for `claimedNodeId` and signs the key; throws AgentAuthError with a stable reason. */
  async enroll(claimedNodeId: string, token: string, publicKeyPem: string): Promise<EnrolledCertificate> {
    if (!token) throw new AgentAuthError('no_token', 'enrollment needs a token');
    if (!NODE_ID_PATTERN.test(claimedNodeId)) throw new AgentAuthError('bad_node_id', 'enrollment needs a valid node id');
    const rec = this.repo.token(hashToken(token));
    if (!rec) throw new AgentAuthError('unknown_token', 'enrollment token is not valid');
    if (rec.nodeId !== claimedNodeId) throw new AgentAuthError('other_node_token', 'enrollment token was not issued for this node');
    if (rec.usedAt) throw new AgentAuthError('used_token', 'enrollment token was already used');
    if (Date.parse(rec.expiresAt) <= Date.now()) throw new AgentAuthError('expired_token', 'enrollment token has expired');
    let publicKey: webcrypto.CryptoKey;
    try {
      const der = Buffer.from(publicKeyPem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, ''), 'base64');
      publicKey = await webcrypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    } catch {
      throw new AgentAuthError('bad_public_key', 'enrollment needs an ECDSA P-256 public key (SPKI PEM)');
    }
    // Claim the token before signing, so two racing enrollments cannot both get a certificate.
    if (!this.repo.useToken(rec.tokenHash)) throw new AgentAuthError('used_token', 'enrollment token was already used');
    const { certPem } = await issueCertificate(this.ca, { commonName: rec.nodeId, usage: 'client', days: this.certTtlDays, publicKey });
    const x = new X509Certificate(certPem);
    const serial = normalizeSerial(x.serialNumber);
    const expiresAt = new Date(x.validTo);
    this.repo.enroll(rec.nodeId, serial, expiresAt);
    return { nodeId: rec.nodeId, certificatePem: certPem, serial, expiresAt };
  }
}
