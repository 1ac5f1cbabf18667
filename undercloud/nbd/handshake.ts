/**
 * The negotiation phase: greeting, client flags, STARTTLS, STRUCTURED_REPLY, SET_META_CONTEXT, then GO
 * (with NBD_INFO_BLOCK_SIZE) or, for servers that do not know GO, EXPORT_NAME. Also OPT_LIST. Every read
 * has a timeout, so a server that stops talking mid-handshake fails the connect instead of hanging it.
 */
import type { Socket } from 'node:net';
import type tls from 'node:tls';
import { ByteReader } from './byte-reader.js';
import {
  DEFAULT_MAX_PAYLOAD, FLAG_C_FIXED_NEWSTYLE, FLAG_C_NO_ZEROES, FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES, Info, Opt, Rep,
  TFlag, isErrorReply,
} from './constants.js';
import { NbdOptionError, NbdProtocolError, NbdTimeoutError, NbdTlsError } from './errors.js';
import {
  EXPORT_NAME_REPLY_SIZE, GREETING_SIZE, OPTION_REPLY_HEADER_SIZE, decodeExportNameReply, decodeGreeting, decodeInfo,
  decodeMetaContextReply, decodeOptionReplyHeader, decodeServerReply, encodeClientFlags, encodeExportName, encodeGo,
  encodeMetaContext, encodeOption,
} from './protocol.js';

/** Option replies larger than this are refused: a hostile server must not make us allocate at will. */
const MAX_OPTION_REPLY = 1024 * 1024;

export interface TlsCredentials {
  /** CA certificate(s) that signed the server's certificate (PEM). */
  ca?: string | Buffer;
  /** Client certificate and key (PEM), presented when the server asks for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Name the server certificate must carry; defaults to the TCP host. */
  servername?: string;
  /** Verify the server's certificate chain and name (default true). */
  verifyPeer?: boolean;
  /** Host (an IP address) the certificate must name when there is no servername; IPs are not sent as SNI. */
  host?: string;
}

export interface NegotiateOptions {
  exportName: string;
  tls?: TlsCredentials;
  structuredReplies: boolean;
  metaContexts: readonly string[];
  timeoutMs: number;
  /** A reader already fed by the socket (connect.ts feeds plain sockets through `onread`). */
  reader?: ByteReader;
}

export interface BlockSize {
  minimum: number;
  preferred: number;
  maximum: number;
}

export interface ExportInfo {
  name: string;
  size: number;
  flags: number;
  blockSize: BlockSize;
  /** Whether the server sent NBD_INFO_BLOCK_SIZE (constraints it will enforce) or we assumed defaults. */
  blockSizeAdvertised: boolean;
  structuredReplies: boolean;
  /** Negotiated meta contexts by name -> id (e.g. base:allocation). */
  metaContexts: Map<string, number>;
  tls: boolean;
  negotiatedWith: 'go' | 'export-name';
}

export interface Negotiated {
  stream: Socket | tls.TLSSocket;
  reader: ByteReader;
  info: ExportInfo;
}

interface OptionReply {
  type: number;
  data: Buffer;
}

class Handshake {
  stream: Socket | tls.TLSSocket;
  readonly reader: ByteReader;
  noZeroes = false;
  constructor(socket: Socket, readonly timeoutMs: number, reader?: ByteReader) {
    this.stream = socket;
    this.reader = reader ?? new ByteReader(socket);
  }

  read(n: number, what: string): Promise<Buffer> {
    return this.reader.read(n, this.timeoutMs, what);
  }

  send(b: Buffer): void {
    this.stream.write(b);
  }

  async reply(option: number): Promise<OptionReply> {
    const h = decodeOptionReplyHeader(await this.read(OPTION_REPLY_HEADER_SIZE, 'option reply'));
    if (h.option !== option) throw new NbdProtocolError(`option reply for option ${h.option}, expected ${option}`);
    if (h.length > MAX_OPTION_REPLY) throw new NbdProtocolError(`option reply of ${h.length} bytes is too large`);
    const data = h.length === 0 ? Buffer.alloc(0) : Buffer.from(await this.read(h.length, 'option reply data'));
    return { type: h.type, data };
  }

  async greet(): Promise<boolean> {
    const g = decodeGreeting(await this.read(GREETING_SIZE, 'greeting'));
    const fixed = (g.handshakeFlags & FLAG_FIXED_NEWSTYLE) !== 0;
    this.noZeroes = (g.handshakeFlags & FLAG_NO_ZEROES) !== 0;
    this.send(encodeClientFlags((fixed ? FLAG_C_FIXED_NEWSTYLE : 0) | (this.noZeroes ? FLAG_C_NO_ZEROES : 0)));
    return fixed;
  }

  async startTls(creds: TlsCredentials): Promise<void> {
    this.send(encodeOption(Opt.STARTTLS));
    const r = await this.reply(Opt.STARTTLS);
    if (r.type !== Rep.ACK) throw new NbdTlsError(`the server refused STARTTLS (${new NbdOptionError('STARTTLS', r.type).reply})`);
    if (this.reader.detach() !== 0) throw new NbdProtocolError('server sent data after acknowledging STARTTLS');
    const plain = this.stream as Socket;
    const verify = creds.verifyPeer ?? true;
    // Loaded here, not at import: most writes are on plain unix sockets, and node:tls costs memory.
    const { connect } = await import('node:tls');
    const secure = connect({
      socket: plain,
      ca: creds.ca,
      cert: creds.cert,
      key: creds.key,
      servername: creds.servername,
      ...(creds.host ? { host: creds.host } : {}),
      rejectUnauthorized: verify,
      ...(verify ? {} : { checkServerIdentity: () => undefined }),
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        secure.destroy();
        reject(new NbdTimeoutError(`TLS handshake did not finish within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      secure.once('error', (e) => {
        clearTimeout(timer);
        reject(new NbdTlsError(`TLS handshake failed: ${e.message}`, { cause: e }));
      });
    });
    this.stream = secure;
    this.reader.attach(secure);
  }
}

function optionFailure(what: string, type: number, data: Buffer): Error {
  const msg = data.toString('utf8');
  if (type === Rep.ERR_TLS_REQD) return new NbdTlsError(`${what}: the server requires TLS (use nbds:// or nbds+unix://)${msg ? `: ${msg}` : ''}`);
  return new NbdOptionError(what, type, msg);
}

async function structuredReplies(h: Handshake): Promise<boolean> {
  h.send(encodeOption(Opt.STRUCTURED_REPLY));
  const r = await h.reply(Opt.STRUCTURED_REPLY);
  if (r.type === Rep.ERR_TLS_REQD) throw optionFailure('STRUCTURED_REPLY', r.type, r.data);
  return r.type === Rep.ACK;
}

async function setMetaContexts(h: Handshake, exportName: string, queries: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  h.send(encodeMetaContext(Opt.SET_META_CONTEXT, exportName, queries));
  for (;;) {
    const r = await h.reply(Opt.SET_META_CONTEXT);
    if (r.type === Rep.ACK) return out;
    if (r.type === Rep.META_CONTEXT) {
      const m = decodeMetaContextReply(r.data);
      out.set(m.name, m.id);
      continue;
    }
    if (isErrorReply(r.type)) {
      if (r.type === Rep.ERR_TLS_REQD) throw optionFailure('SET_META_CONTEXT', r.type, r.data);
      return new Map(); // not fatal: we read without block status
    }
    throw new NbdProtocolError(`unexpected reply type ${r.type} to SET_META_CONTEXT`);
  }
}

async function exportName(h: Handshake, name: string): Promise<{ size: number; flags: number }> {
  h.send(encodeExportName(name));
  const r = decodeExportNameReply(await h.read(EXPORT_NAME_REPLY_SIZE, 'NBD_OPT_EXPORT_NAME reply'));
  if (!h.noZeroes) await h.read(124, 'NBD_OPT_EXPORT_NAME padding');
  return r;
}

/** Runs the handshake on a connected socket and returns the stream to use for transmission. */
export async function negotiate(socket: Socket, opts: NegotiateOptions): Promise<Negotiated> {
  const h = new Handshake(socket, opts.timeoutMs, opts.reader);
  const fixed = await h.greet();
  const info: ExportInfo = {
    name: opts.exportName, size: 0, flags: 0, blockSize: { minimum: 1, preferred: 4096, maximum: DEFAULT_MAX_PAYLOAD },
    blockSizeAdvertised: false, structuredReplies: false, metaContexts: new Map(), tls: false, negotiatedWith: 'go',
  };
  if (!fixed) {
    // Plain newstyle: the only option a server must answer is EXPORT_NAME, and TLS is impossible.
    if (opts.tls) throw new NbdTlsError('the server does not speak fixed newstyle, so it cannot do TLS');
    Object.assign(info, await exportName(h, opts.exportName), { negotiatedWith: 'export-name' });
    return { stream: h.stream, reader: h.reader, info };
  }
  if (opts.tls) {
    await h.startTls(opts.tls);
    info.tls = true;
  }
  if (opts.structuredReplies) info.structuredReplies = await structuredReplies(h);
  if (info.structuredReplies && opts.metaContexts.length > 0) info.metaContexts = await setMetaContexts(h, opts.exportName, opts.metaContexts);

  h.send(encodeGo(opts.exportName, [Info.BLOCK_SIZE]));
  let gotExport = false;
  for (;;) {
    const r = await h.reply(Opt.GO);
    if (r.type === Rep.INFO) {
      const i = decodeInfo(r.data);
      if (i.type === 'export') {
        info.size = i.size;
        info.flags = i.flags;
        gotExport = true;
      } else if (i.type === 'block-size') {
        info.blockSize = { minimum: i.minimum, preferred: i.preferred, maximum: Math.min(i.maximum, 0xffffffff) };
        info.blockSizeAdvertised = true;
      }
      continue;
    }
    if (r.type === Rep.ACK) {
      if (!gotExport) throw new NbdProtocolError('the server acknowledged NBD_OPT_GO without NBD_INFO_EXPORT');
      break;
    }
    if (r.type === Rep.ERR_UNSUP) {
      // An older server: EXPORT_NAME ends negotiation too, but gives no block sizes.
      Object.assign(info, await exportName(h, opts.exportName), { negotiatedWith: 'export-name' });
      break;
    }
    if (isErrorReply(r.type)) throw optionFailure(`export "${opts.exportName}"`, r.type, r.data);
    throw new NbdProtocolError(`unexpected reply type ${r.type} to NBD_OPT_GO`);
  }
  if ((info.flags & TFlag.HAS_FLAGS) === 0) throw new NbdProtocolError('transmission flags lack NBD_FLAG_HAS_FLAGS');
  if (!info.blockSizeAdvertised) info.blockSize.maximum = DEFAULT_MAX_PAYLOAD;
  return { stream: h.stream, reader: h.reader, info };
}

/** NBD_OPT_LIST: the export names (and descriptions) a server offers; then NBD_OPT_ABORT. */
export async function listExports(socket: Socket, opts: { tls?: TlsCredentials; timeoutMs: number }): Promise<{ name: string; description: string }[]> {
  const h = new Handshake(socket, opts.timeoutMs);
  if (!(await h.greet())) throw new NbdProtocolError('the server does not speak fixed newstyle, so it cannot list exports');
  if (opts.tls) await h.startTls(opts.tls);
  h.send(encodeOption(Opt.LIST));
  const out: { name: string; description: string }[] = [];
  for (;;) {
    const r = await h.reply(Opt.LIST);
    if (r.type === Rep.SERVER) out.push(decodeServerReply(r.data));
    else if (r.type === Rep.ACK) break;
    else if (isErrorReply(r.type)) throw optionFailure('LIST', r.type, r.data);
    else throw new NbdProtocolError(`unexpected reply type ${r.type} to NBD_OPT_LIST`);
  }
  h.send(encodeOption(Opt.ABORT));
  h.stream.end();
  return out;
}
