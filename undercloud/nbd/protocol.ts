/**
 * Pure encoding and decoding of NBD messages: the handshake, options and their replies, request headers,
 * simple and structured replies. No I/O here (session.ts owns the socket), so every function is tested
 * with byte fixtures. Decoders throw NbdProtocolError on anything the spec does not allow.
 */
import {
  IHAVEOPT, Info, NBDMAGIC, OPTION_REPLY_MAGIC, Opt, REQUEST_MAGIC, ReplyType, SIMPLE_REPLY_MAGIC, STRUCTURED_REPLY_MAGIC,
} from './constants.js';
import { NbdProtocolError } from './errors.js';

/** The oldstyle negotiation magic: a server speaking it is refused (no option haggling, no TLS). */
const OLDSTYLE_MAGIC = 0x00420281861253n;

export const GREETING_SIZE = 18;
export const OPTION_REPLY_HEADER_SIZE = 20;
export const REQUEST_HEADER_SIZE = 28;
export const SIMPLE_REPLY_SIZE = 16;
export const STRUCTURED_REPLY_HEADER_SIZE = 20;
/** Size of the EXPORT_NAME reply without the 124 zero bytes (NO_ZEROES negotiated). */
export const EXPORT_NAME_REPLY_SIZE = 10;

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64BE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new NbdProtocolError(`64-bit value ${v} is too large`);
  return Number(v);
}

function putU64(buf: Buffer, at: number, v: number): void {
  buf.writeUInt32BE(Math.floor(v / 0x100000000), at);
  buf.writeUInt32BE(v >>> 0, at + 4);
}

export interface Greeting {
  handshakeFlags: number;
}

export function decodeGreeting(buf: Buffer): Greeting {
  if (buf.length < 16) throw new NbdProtocolError(`truncated greeting (${buf.length} bytes)`);
  const magic = buf.readBigUInt64BE(0);
  if (magic !== NBDMAGIC) throw new NbdProtocolError(`bad server magic 0x${magic.toString(16)} (not an NBD server)`);
  const second = buf.readBigUInt64BE(8);
  if (second === OLDSTYLE_MAGIC) throw new NbdProtocolError('server speaks oldstyle negotiation, which is not supported');
  if (second !== IHAVEOPT) throw new NbdProtocolError(`bad newstyle magic 0x${second.toString(16)}`);
  if (buf.length < GREETING_SIZE) throw new NbdProtocolError('truncated greeting (no handshake flags)');
  return { handshakeFlags: buf.readUInt16BE(16) };
}

export function encodeClientFlags(flags: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(flags >>> 0, 0);
  return b;
}

export function encodeOption(option: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(16 + data.length);
  b.writeBigUInt64BE(IHAVEOPT, 0);
  b.writeUInt32BE(option, 8);
  b.writeUInt32BE(data.length, 12);
  data.copy(b, 16);
  return b;
}

function lengthPrefixed32(s: string): Buffer {
  const name = Buffer.from(s, 'utf8');
  const b = Buffer.alloc(4 + name.length);
  b.writeUInt32BE(name.length, 0);
  name.copy(b, 4);
  return b;
}

/** NBD_OPT_GO / NBD_OPT_INFO: export name and the NBD_INFO_* items we ask for. */
export function encodeGo(exportName: string, infos: readonly number[], option: number = Opt.GO): Buffer {
  const req = Buffer.alloc(2 + 2 * infos.length);
  req.writeUInt16BE(infos.length, 0);
  infos.forEach((t, i) => req.writeUInt16BE(t, 2 + 2 * i));
  return encodeOption(option, Buffer.concat([lengthPrefixed32(exportName), req]));
}

export function encodeExportName(exportName: string): Buffer {
  return encodeOption(Opt.EXPORT_NAME, Buffer.from(exportName, 'utf8'));
}

/** NBD_OPT_SET_META_CONTEXT / LIST_META_CONTEXT for one export and some queries. */
export function encodeMetaContext(option: number, exportName: string, queries: readonly string[]): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(queries.length, 0);
  return encodeOption(option, Buffer.concat([lengthPrefixed32(exportName), count, ...queries.map(lengthPrefixed32)]));
}

export interface OptionReplyHeader {
  option: number;
  type: number;
  length: number;
}

export function decodeOptionReplyHeader(buf: Buffer): OptionReplyHeader {
  if (buf.length < OPTION_REPLY_HEADER_SIZE) throw new NbdProtocolError('truncated option reply');
  const magic = buf.readBigUInt64BE(0);
  if (magic !== OPTION_REPLY_MAGIC) throw new NbdProtocolError(`bad option reply magic 0x${magic.toString(16)}`);
  return { option: buf.readUInt32BE(8), type: buf.readUInt32BE(12), length: buf.readUInt32BE(16) };
}

export type InfoReply =
  | { type: 'export'; size: number; flags: number }
  | { type: 'name'; name: string }
  | { type: 'description'; description: string }
  | { type: 'block-size'; minimum: number; preferred: number; maximum: number }
  | { type: 'unknown'; info: number };

export function decodeInfo(data: Buffer): InfoReply {
  if (data.length < 2) throw new NbdProtocolError('NBD_REP_INFO without a type');
  const t = data.readUInt16BE(0);
  switch (t) {
    case Info.EXPORT:
      if (data.length !== 12) throw new NbdProtocolError(`NBD_INFO_EXPORT of ${data.length} bytes (want 12)`);
      return { type: 'export', size: u64(data, 2), flags: data.readUInt16BE(10) };
    case Info.NAME:
      return { type: 'name', name: data.subarray(2).toString('utf8') };
    case Info.DESCRIPTION:
      return { type: 'description', description: data.subarray(2).toString('utf8') };
    case Info.BLOCK_SIZE: {
      if (data.length !== 14) throw new NbdProtocolError(`NBD_INFO_BLOCK_SIZE of ${data.length} bytes (want 14)`);
      const minimum = data.readUInt32BE(2);
      const preferred = data.readUInt32BE(6);
      const maximum = data.readUInt32BE(10);
      const pow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
      if (!pow2(minimum) || minimum > 65536 || !pow2(preferred) || preferred < minimum || maximum < minimum) {
        throw new NbdProtocolError(`invalid block sizes min=${minimum} preferred=${preferred} max=${maximum}`);
      }
      return { type: 'block-size', minimum, preferred, maximum };
    }
    default:
      return { type: 'unknown', info: t };
  }
}

/** NBD_REP_SERVER (reply to NBD_OPT_LIST): the export name, then an optional description. */
export function decodeServerReply(data: Buffer): { name: string; description: string } {
  if (data.length < 4) throw new NbdProtocolError('truncated NBD_REP_SERVER');
  const len = data.readUInt32BE(0);
  if (4 + len > data.length) throw new NbdProtocolError('NBD_REP_SERVER name overruns the reply');
  return { name: data.subarray(4, 4 + len).toString('utf8'), description: data.subarray(4 + len).toString('utf8') };
}

export function decodeMetaContextReply(data: Buffer): { id: number; name: string } {
  if (data.length < 4) throw new NbdProtocolError('truncated NBD_REP_META_CONTEXT');
  return { id: data.readUInt32BE(0), name: data.subarray(4).toString('utf8') };
}

/** The reply to NBD_OPT_EXPORT_NAME: size and transmission flags (zero padding, if any, read separately). */
export function decodeExportNameReply(buf: Buffer): { size: number; flags: number } {
  if (buf.length < EXPORT_NAME_REPLY_SIZE) throw new NbdProtocolError('truncated NBD_OPT_EXPORT_NAME reply');
  return { size: u64(buf, 0), flags: buf.readUInt16BE(8) };
}

export interface Request {
  flags: number;
  type: number;
  cookie: number;
  offset: number;
  length: number;
}

export function encodeRequest(r: Request, into: Buffer = Buffer.allocUnsafe(REQUEST_HEADER_SIZE), at = 0): Buffer {
  into.writeUInt32BE(REQUEST_MAGIC, at);
  into.writeUInt16BE(r.flags, at + 4);
  into.writeUInt16BE(r.type, at + 6);
  putU64(into, at + 8, r.cookie);
  putU64(into, at + 16, r.offset);
  into.writeUInt32BE(r.length >>> 0, at + 24);
  return into;
}

export function decodeRequest(buf: Buffer): Request {
  if (buf.readUInt32BE(0) !== REQUEST_MAGIC) throw new NbdProtocolError('bad request magic');
  return { flags: buf.readUInt16BE(4), type: buf.readUInt16BE(6), cookie: u64(buf, 8), offset: u64(buf, 16), length: buf.readUInt32BE(24) };
}

export type ReplyKind = 'simple' | 'structured';

/** Which header follows, from its first 4 bytes. */
export function replyKind(magic: number): ReplyKind {
  if (magic === SIMPLE_REPLY_MAGIC) return 'simple';
  if (magic === STRUCTURED_REPLY_MAGIC) return 'structured';
  throw new NbdProtocolError(`bad reply magic 0x${magic.toString(16)}`);
}

export interface SimpleReply {
  error: number;
  cookie: number;
}

export function decodeSimpleReply(buf: Buffer): SimpleReply {
  if (buf.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) throw new NbdProtocolError('bad simple reply magic');
  return { error: buf.readUInt32BE(4), cookie: u64(buf, 8) };
}

export function encodeSimpleReply(r: SimpleReply): Buffer {
  const b = Buffer.alloc(SIMPLE_REPLY_SIZE);
  b.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
  b.writeUInt32BE(r.error, 4);
  putU64(b, 8, r.cookie);
  return b;
}

export interface StructuredHeader {
  flags: number;
  type: number;
  cookie: number;
  length: number;
}

export function decodeStructuredHeader(buf: Buffer): StructuredHeader {
  if (buf.readUInt32BE(0) !== STRUCTURED_REPLY_MAGIC) throw new NbdProtocolError('bad structured reply magic');
  return { flags: buf.readUInt16BE(4), type: buf.readUInt16BE(6), cookie: u64(buf, 8), length: buf.readUInt32BE(16) };
}

export function encodeStructuredHeader(h: StructuredHeader): Buffer {
  const b = Buffer.alloc(STRUCTURED_REPLY_HEADER_SIZE);
  b.writeUInt32BE(STRUCTURED_REPLY_MAGIC, 0);
  b.writeUInt16BE(h.flags, 4);
  b.writeUInt16BE(h.type, 6);
  putU64(b, 8, h.cookie);
  b.writeUInt32BE(h.length, 16);
  return b;
}

export function decodeOffsetHole(payload: Buffer): { offset: number; length: number } {
  if (payload.length !== 12) throw new NbdProtocolError(`NBD_REPLY_TYPE_OFFSET_HOLE of ${payload.length} bytes`);
  return { offset: u64(payload, 0), length: payload.readUInt32BE(8) };
}

/** OFFSET_DATA: the offset, and the data as a view of the payload (no copy). */
export function decodeOffsetData(payload: Buffer): { offset: number; data: Buffer } {
  if (payload.length < 9) throw new NbdProtocolError(`NBD_REPLY_TYPE_OFFSET_DATA of ${payload.length} bytes`);
  return { offset: u64(payload, 0), data: payload.subarray(8) };
}

export interface BlockStatusChunk {
  contextId: number;
  extents: { length: number; flags: number }[];
}

export function decodeBlockStatus(payload: Buffer): BlockStatusChunk {
  if (payload.length < 12 || (payload.length - 4) % 8 !== 0) throw new NbdProtocolError(`NBD_REPLY_TYPE_BLOCK_STATUS of ${payload.length} bytes`);
  const extents: { length: number; flags: number }[] = [];
  for (let at = 4; at < payload.length; at += 8) extents.push({ length: payload.readUInt32BE(at), flags: payload.readUInt32BE(at + 4) });
  return { contextId: payload.readUInt32BE(0), extents };
}

export interface ErrorChunk {
  error: number;
  message: string;
  offset?: number;
}

export function decodeErrorChunk(type: number, payload: Buffer): ErrorChunk {
  if (payload.length < 6) throw new NbdProtocolError('truncated error chunk');
  const error = payload.readUInt32BE(0);
  const mlen = payload.readUInt16BE(4);
  if (6 + mlen > payload.length) throw new NbdProtocolError('error chunk message overruns the chunk');
  const message = payload.subarray(6, 6 + mlen).toString('utf8');
  if (type === ReplyType.ERROR_OFFSET) {
    if (payload.length !== 6 + mlen + 8) throw new NbdProtocolError('NBD_REPLY_TYPE_ERROR_OFFSET without its offset');
    return { error, message, offset: u64(payload, 6 + mlen) };
  }
  return { error, message };
}
