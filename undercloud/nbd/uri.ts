/**
 * NBD URIs (NetworkBlockDevice/nbd doc/uri.md): nbd://host[:port]/export, nbds://... (TLS required),
 * nbd+unix:///export?socket=PATH and nbds+unix:///export?socket=PATH. TLS query parameters: tls-hostname,
 * tls-verify-peer=0|1, tls-type=x509, and libnbd's tls-certificates=DIR (ca-cert.pem, client-cert.pem,
 * client-key.pem). Unknown parameters are rejected (the spec says they SHOULD be diagnosed), except x-*.
 */
import { DEFAULT_PORT } from './constants.js';
import { NbdUriError } from './errors.js';

export type NbdTransport = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

/** Where an export is and how to reach it; the parsed form of an NBD URI. */
export interface NbdAddress {
  transport: NbdTransport;
  exportName: string;
  /** 'require' for nbds schemes; 'off' otherwise (no opportunistic TLS: it invites downgrade). */
  tls: 'require' | 'off';
  tlsHostname?: string;
  tlsVerifyPeer: boolean;
  tlsCertificates?: string;
}

const SCHEMES: Record<string, { tls: boolean; unix: boolean }> = {
  'nbd:': { tls: false, unix: false },
  'nbds:': { tls: true, unix: false },
  'nbd+unix:': { tls: false, unix: true },
  'nbds+unix:': { tls: true, unix: true },
};

const KNOWN_PARAMS = new Set(['socket', 'tls-hostname', 'tls-verify-peer', 'tls-type', 'tls-certificates']);

export function parseNbdUri(uri: string): NbdAddress {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (err) {
    throw new NbdUriError(uri, `not a URI (${(err as Error).message})`);
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) throw new NbdUriError(uri, `unsupported scheme ${url.protocol.replace(/:$/, '')} (use nbd, nbds, nbd+unix or nbds+unix)`);
  for (const key of url.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(key) && !key.startsWith('x-')) throw new NbdUriError(uri, `unknown query parameter ${key}`);
  }
  let exportName: string;
  try {
    exportName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    throw new NbdUriError(uri, 'export name is not valid percent-encoding');
  }
  let transport: NbdTransport;
  if (scheme.unix) {
    const path = url.searchParams.get('socket');
    if (!path) throw new NbdUriError(uri, 'a unix NBD URI needs ?socket=PATH');
    if (url.host !== '') throw new NbdUriError(uri, 'a unix NBD URI has no host (use nbd+unix:///export?socket=PATH)');
    transport = { kind: 'unix', path };
  } else {
    if (url.searchParams.has('socket')) throw new NbdUriError(uri, 'socket= is only for nbd+unix and nbds+unix');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (host === '') throw new NbdUriError(uri, 'no host');
    transport = { kind: 'tcp', host, port: url.port === '' ? DEFAULT_PORT : Number(url.port) };
  }
  const tlsType = url.searchParams.get('tls-type');
  if (tlsType !== null && tlsType !== 'x509') throw new NbdUriError(uri, `tls-type=${tlsType} is not supported (only x509)`);
  const verify = url.searchParams.get('tls-verify-peer');
  if (verify !== null && verify !== '0' && verify !== '1') throw new NbdUriError(uri, 'tls-verify-peer must be 0 or 1');
  const addr: NbdAddress = { transport, exportName, tls: scheme.tls ? 'require' : 'off', tlsVerifyPeer: verify !== '0' };
  const hostname = url.searchParams.get('tls-hostname');
  if (hostname !== null) addr.tlsHostname = hostname;
  const certs = url.searchParams.get('tls-certificates');
  if (certs !== null) addr.tlsCertificates = certs;
  return addr;
}

/** The URI again, for logs and messages (never carries secrets: certificates are named by path). */
export function formatNbdAddress(a: NbdAddress): string {
  const name = encodeURIComponent(a.exportName).replace(/%2F/g, '/');
  const s = a.tls === 'require' ? 's' : '';
  if (a.transport.kind === 'unix') return `nbd${s}+unix:///${name}?socket=${a.transport.path}`;
  const host = a.transport.host.includes(':') ? `[${a.transport.host}]` : a.transport.host;
  return `nbd${s}://${host}:${a.transport.port}/${name}`;
}
