/**
 * make_url: {scheme, username, password, host, port, path, query, fragment} — urllib's quoting and
 * urlunsplit as Heat does it; an IPv6 host is bracketed, a port must be 1..65535.
 */
import type { Json } from '../template/types.js';
import { argError, fail, isMap, mapArgs } from './args.js';
import { pyQuote, pyUrlencode } from './python-text.js';
import type { IntrinsicFunction } from './types.js';

const KEYS = ['scheme', 'username', 'password', 'host', 'port', 'path', 'query', 'fragment'] as const;
const USES_NETLOC = new Set(['', 'ftp', 'http', 'gopher', 'nntp', 'telnet', 'imap', 'wais', 'file', 'mms', 'https', 'shttp', 'snews', 'prospero', 'rtsp', 'rtspu', 'rsync', 'svn', 'svn+ssh', 'sftp', 'nfs', 'git', 'git+ssh', 'ws', 'wss']);

function str(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : String(v);
}

export const makeUrl: IntrinsicFunction = {
  name: 'make_url',
  since: '2017-09-01',
  validate(call, v) {
    const m = mapArgs(call, v, KEYS, []);
    if (m === undefined) {
      if (call.args.kind === 'call') v.validate(call.args);
      return;
    }
    for (const s of m.values()) v.validate(s);
    const q = m.get('query');
    if (q && (q.kind === 'literal' || q.kind === 'list')) argError(call, v, '"query" must be a map', q);
    const port = m.get('port');
    if (port?.kind === 'literal' && !validPort(port.value)) argError(call, v, `invalid port ${JSON.stringify(port.value)} (1..65535)`, port);
  },
  resolve(call, e) {
    const args = e.evaluate(call.args);
    if (args === undefined) return undefined;
    if (!isMap(args)) fail(call, 'arguments must be a map');
    for (const k of Object.keys(args)) if (!(KEYS as readonly string[]).includes(k)) fail(call, `unknown argument "${k}"`);
    const scheme = str(args['scheme']);
    if (scheme.includes(':')) fail(call, 'the scheme should not contain ":"');
    if (args['port'] !== undefined && args['port'] !== null && args['port'] !== '' && !validPort(args['port'])) {
      fail(call, `invalid port ${JSON.stringify(args['port'])} (1..65535)`);
    }
    const query = args['query'] ?? {};
    if (!isMap(query)) fail(call, '"query" must be a map');
    let netloc = '';
    const user = pyQuote(str(args['username']), '');
    const password = pyQuote(str(args['password']), '');
    if (user || password) netloc += user + (password ? ':' + password : '') + '@';
    let host = str(args['host']);
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    host = pyQuote(host, ':');
    if (host.includes(':')) host = `[${host}]`;
    netloc += host;
    const port = str(args['port']);
    if (port) netloc += ':' + port;
    let url = pyQuote(str(args['path']));
    if (netloc || (scheme && USES_NETLOC.has(scheme) && !url.startsWith('//'))) {
      if (url && !url.startsWith('/')) url = '/' + url;
      url = '//' + netloc + url;
    }
    if (scheme) url = scheme + ':' + url;
    const q = pyUrlencode(query).replace(/%2F/g, '/');
    if (q) url += '?' + q;
    const fragment = pyQuote(str(args['fragment']));
    if (fragment) url += '#' + fragment;
    return url;
  },
};

function validPort(p: Json | undefined): boolean {
  const n = typeof p === 'number' ? p : typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}
