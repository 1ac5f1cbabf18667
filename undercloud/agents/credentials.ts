/**
 * TLS for the agent endpoint. One port serves both RPCs: Enroll (the agent has no certificate yet) and
 * Connect (mutual TLS). So the server asks for a client certificate but does not require one at the TLS
 * layer; grpc-js exposes a peer certificate to handlers only when it verified against our CA, and the
 * session handler refuses calls without one. grpc-js has no option for "request but don't require", hence
 * this small ServerCredentials subclass.
 */
import { ServerCredentials } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { normalizeSerial } from './enrollment.js';

class OptionalClientCertCredentials extends ServerCredentials {
  constructor(ca: Buffer, cert: Buffer, key: Buffer) {
    // noDelay: step, ack and result messages are small; Nagle would hold them for the peer's delayed ACK.
    super({ requestCert: true, rejectUnauthorized: false, noDelay: true }, { ca, cert, key });
  }
  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export function agentServerCredentials(ca: Buffer, cert: Buffer, key: Buffer): ServerCredentials {
  return new OptionalClientCertCredentials(ca, cert, key);
}

export interface PeerIdentity {
  nodeId: string;
  serial: string;
}

/** The node identity of a verified client certificate (its CN), or undefined when there is none. */
export function peerIdentity(authContext: { sslPeerCertificate?: PeerCertificate | undefined } | null | undefined): PeerIdentity | undefined {
  const cert = authContext?.sslPeerCertificate;
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const nodeId = Array.isArray(cn) ? undefined : cn;
  if (!nodeId || !cert.serialNumber) return undefined;
  return { nodeId, serial: normalizeSerial(cert.serialNumber) };
}
