/**
 * Opening a session: connect the socket (TCP or unix, with a timeout), run the handshake, and hand the
 * stream to an NbdSession. `connectNbd` takes either a parsed URI or the URI string, plus credentials.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ByteReader } from './byte-reader.js';
import { BASE_ALLOCATION } from './constants.js';
import { NbdDisconnectedError, NbdTimeoutError, NbdTlsError } from './errors.js';
import { listExports, negotiate, type TlsCredentials } from './handshake.js';
import { NbdSession } from './session.js';
import { parseNbdUri, type NbdAddress } from './uri.js';

export interface ConnectOptions {
  /** TLS material; for nbds URIs it is required (or given in the URI as tls-certificates=DIR). */
  tls?: TlsCredentials;
  /** Ask for structured replies and base:allocation (needed to read sparse sources). Default true. */
  blockStatus?: boolean;
  /** Timeout of every wait: connect, each handshake read, and replies to outstanding commands. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** libnbd's layout of a tls-certificates directory. */
function loadCertificateDir(dir: string): TlsCredentials {
  const read = (f: string) => {
    try {
      return readFileSync(path.join(dir, f));
    } catch {
      return undefined;
    }
  };
  const creds: TlsCredentials = {};
  const ca = read('ca-cert.pem');
  const cert = read('client-cert.pem');
  const key = read('client-key.pem');
  if (ca) creds.ca = ca;
  if (cert) creds.cert = cert;
  if (key) creds.key = key;
  if (!ca) throw new NbdTlsError(`${dir}/ca-cert.pem is missing or unreadable`);
  return creds;
}

/** The TLS credentials to use for an address, or undefined when TLS is off. */
export function tlsFor(addr: NbdAddress, given?: TlsCredentials): TlsCredentials | undefined {
  if (addr.tls !== 'require') return undefined;
  const base = given ?? (addr.tlsCertificates ? loadCertificateDir(addr.tlsCertificates) : undefined);
  if (!base) throw new NbdTlsError('TLS is required (nbds) but no certificates were given (pass them, or add ?tls-certificates=DIR)');
  const servername = addr.tlsHostname ?? base.servername ?? (addr.transport.kind === 'tcp' && net.isIP(addr.transport.host) === 0 ? addr.transport.host : undefined);
  const creds: TlsCredentials = { ...base, verifyPeer: addr.tlsVerifyPeer && base.verifyPeer !== false };
  if (servername !== undefined) creds.servername = servername;
  else if (addr.transport.kind === 'tcp') {
    // An IP address: checked against the certificate's IP SANs (and never sent as SNI).
    delete creds.servername;
    creds.host = addr.transport.host;
  }
  return creds;
}

/** Size of the one receive buffer a plain socket reads into (see ByteReader.pushBorrowed). */
const RECEIVE_BUFFER = 128 * 1024;
/** Receive buffers of closed sockets, for the next connections (a write's, then its verification's). */
const spareReceive: Buffer[] = [];

/**
 * Connects; with `reader`, incoming bytes go to it from one reused receive buffer (net's `onread`) instead
 * of a fresh buffer per socket read. Only for plain sockets: STARTTLS hands the socket to TLS, which reads
 * it itself.
 */
export function openSocket(addr: NbdAddress, timeoutMs: number, signal?: AbortSignal, reader?: ByteReader): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const receive = reader ? (spareReceive.pop() ?? Buffer.allocUnsafeSlow(RECEIVE_BUFFER)) : undefined;
    const onread = reader && receive ? { onread: { buffer: receive, callback: (n: number, buf: Uint8Array) => reader.pushBorrowed(Buffer.from(buf.buffer, buf.byteOffset, n)) } } : {};
    const s = addr.transport.kind === 'unix' ? net.connect({ path: addr.transport.path, ...onread }) : net.connect({ host: addr.transport.host, port: addr.transport.port, ...onread });
    if (reader) reader.attach(s);
    if (receive) s.once('close', () => void (spareReceive.length < 16 && spareReceive.push(receive)));
    const where = addr.transport.kind === 'unix' ? addr.transport.path : `${addr.transport.host}:${addr.transport.port}`;
    const done = (err?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      s.off('error', onError);
      if (err) {
        s.destroy();
        reject(err);
      } else resolve(s);
    };
    const onError = (e: Error) => done(new NbdDisconnectedError(`cannot connect to ${where}: ${e.message}`, { cause: e }));
    const onAbort = () => done(new NbdDisconnectedError(`connect to ${where} aborted`));
    const timer = setTimeout(() => done(new NbdTimeoutError(`connect to ${where} timed out after ${timeoutMs} ms`)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    s.once('error', onError);
    s.once('connect', () => {
      s.setNoDelay(true);
      done();
    });
  });
}

export async function connectNbd(target: string | NbdAddress, opts: ConnectOptions = {}): Promise<NbdSession> {
  const addr = typeof target === 'string' ? parseNbdUri(target) : target;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tls = tlsFor(addr, opts.tls);
  const reader = tls ? undefined : new ByteReader();
  const socket = await openSocket(addr, timeoutMs, opts.signal, reader);
  try {
    const wantStatus = opts.blockStatus ?? true;
    const n = await negotiate(socket, {
      exportName: addr.exportName,
      ...(tls ? { tls } : {}),
      ...(reader ? { reader } : {}),
      structuredReplies: wantStatus,
      metaContexts: wantStatus ? [BASE_ALLOCATION] : [],
      timeoutMs,
    });
    return new NbdSession(n.stream, n.reader, n.info, { timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/** NBD_OPT_LIST on a server. */
export async function listNbdExports(target: string | NbdAddress, opts: ConnectOptions = {}): Promise<{ name: string; description: string }[]> {
  const addr = typeof target === 'string' ? parseNbdUri(target) : target;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tls = tlsFor(addr, opts.tls);
  const socket = await openSocket(addr, timeoutMs, opts.signal);
  try {
    return await listExports(socket, { ...(tls ? { tls } : {}), timeoutMs });
  } finally {
    socket.destroy();
  }
}
