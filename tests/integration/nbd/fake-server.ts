/**
 * A tiny scriptable NBD server for bad-server tests: each test decides, byte by byte, how the server
 * misbehaves. Listens on a unix socket in the test's temp dir; records every request it receives.
 */
import net from 'node:net';
import path from 'node:path';
import { ByteReader } from '../../../undercloud/nbd/byte-reader.js';
import { IHAVEOPT, NBDMAGIC, OPTION_REPLY_MAGIC, Opt, Rep, TFlag } from '../../../undercloud/nbd/constants.js';
import { REQUEST_HEADER_SIZE, decodeRequest, type Request } from '../../../undercloud/nbd/protocol.js';

export interface FakeServer {
  uri: string;
  requests: Request[];
  close(): Promise<void>;
}

export type Script = (sock: net.Socket, rd: ByteReader, server: FakeServer) => Promise<void>;

export async function fakeNbdServer(dir: string, name: string, script: Script): Promise<FakeServer> {
  const sockPath = path.join(dir, `${name}.sock`);
  const conns = new Set<net.Socket>();
  const fake: FakeServer = {
    uri: `nbd+unix:///?socket=${sockPath}`,
    requests: [],
    close: () => new Promise<void>((resolve) => {
      for (const c of conns) c.destroy();
      server.close(() => resolve());
    }),
  };
  const server = net.createServer((sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => undefined);
    const rd = new ByteReader(sock);
    script(sock, rd, fake).catch(() => sock.destroy());
  });
  await new Promise<void>((resolve) => server.listen(sockPath, resolve));
  return fake;
}

export function greeting(flags = 3): Buffer {
  const b = Buffer.alloc(18);
  b.writeBigUInt64BE(NBDMAGIC, 0);
  b.writeBigUInt64BE(IHAVEOPT, 8);
  b.writeUInt16BE(flags, 16);
  return b;
}

export function optionReply(option: number, type: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(20 + data.length);
  b.writeBigUInt64BE(OPTION_REPLY_MAGIC, 0);
  b.writeUInt32BE(option, 8);
  b.writeUInt32BE(type >>> 0, 12);
  b.writeUInt32BE(data.length, 16);
  data.copy(b, 20);
  return b;
}

export function infoExport(size: number, flags: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(0, 0);
  b.writeBigUInt64BE(BigInt(size), 2);
  b.writeUInt16BE(flags, 10);
  return b;
}

export const WRITABLE = TFlag.HAS_FLAGS | TFlag.SEND_FLUSH | TFlag.SEND_WRITE_ZEROES | TFlag.SEND_TRIM;

export interface HandshakeBehaviour {
  size: number;
  flags?: number;
  /** Refuse NBD_OPT_GO with ERR_UNSUP (an old server): the client must fall back to EXPORT_NAME. */
  goUnsupported?: boolean;
  structured?: boolean;
}

/** A correct handshake: refuses everything but (optionally) STRUCTURED_REPLY, GO and EXPORT_NAME. */
export async function handshake(sock: net.Socket, rd: ByteReader, h: HandshakeBehaviour): Promise<void> {
  const flags = h.flags ?? WRITABLE;
  sock.write(greeting());
  await rd.read(4);
  for (;;) {
    const hdr = await rd.read(16);
    const opt = hdr.readUInt32BE(8);
    const len = hdr.readUInt32BE(12);
    if (len > 0) await rd.read(len);
    if (opt === Opt.EXPORT_NAME) {
      const r = Buffer.alloc(10);
      r.writeBigUInt64BE(BigInt(h.size), 0);
      r.writeUInt16BE(flags, 8);
      sock.write(r);
      return;
    }
    if (opt === Opt.GO && !h.goUnsupported) {
      sock.write(optionReply(opt, Rep.INFO, infoExport(h.size, flags)));
      sock.write(optionReply(opt, Rep.ACK));
      return;
    }
    if (opt === Opt.STRUCTURED_REPLY && h.structured) {
      sock.write(optionReply(opt, Rep.ACK));
      continue;
    }
    sock.write(optionReply(opt, Rep.ERR_UNSUP));
  }
}

export async function readRequest(rd: ByteReader, server: FakeServer): Promise<Request & { payload?: Buffer }> {
  const r = decodeRequest(await rd.read(REQUEST_HEADER_SIZE));
  server.requests.push(r);
  if (r.type === 1) return { ...r, payload: Buffer.from(await rd.read(r.length)) };
  return r;
}
