import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNbd } from '../../../undercloud/nbd/connect.js';
import { Cmd, Opt, Rep } from '../../../undercloud/nbd/constants.js';
import { NbdDisconnectedError, NbdProtocolError, NbdRequestError, NbdTargetError, NbdTimeoutError } from '../../../undercloud/nbd/errors.js';
import { encodeSimpleReply, encodeStructuredHeader } from '../../../undercloud/nbd/protocol.js';
import { writeImage } from '../../../undercloud/nbd/writer.js';
import { fakeNbdServer, greeting, handshake, optionReply, readRequest, type FakeServer } from './fake-server.js';

let dir: string;
const servers: FakeServer[] = [];
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbd-bad-'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
async function serve(script: Parameters<typeof fakeNbdServer>[2]): Promise<FakeServer> {
  const s = await fakeNbdServer(dir, `s${n++}`, script);
  servers.push(s);
  return s;
}

/** Runs `p` and asserts it settles (no hang) well within `ms`. */
async function settlesWithin<T>(ms: number, p: Promise<T>): Promise<T> {
  const start = Date.now();
  try {
    return await p;
  } finally {
    expect(Date.now() - start).toBeLessThan(ms);
  }
}

describe('bad NBD servers', () => {
  it('a truncated greeting fails with a disconnect error, not a hang', async () => {
    const s = await serve(async (sock) => {
      sock.end(greeting().subarray(0, 7));
    });
    await expect(settlesWithin(3000, connectNbd(s.uri, { timeoutMs: 2000 }))).rejects.toBeInstanceOf(NbdDisconnectedError);
  });

  it('a wrong magic fails with a protocol error', async () => {
    const s = await serve(async (sock) => {
      sock.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    const err = await connectNbd(s.uri, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbdProtocolError);
    expect((err as NbdProtocolError).code).toBe('NBD_PROTOCOL');
  });

  it('a server silent during the handshake times out', async () => {
    const s = await serve(async () => undefined);
    await expect(settlesWithin(2000, connectNbd(s.uri, { timeoutMs: 300 }))).rejects.toBeInstanceOf(NbdTimeoutError);
  });

  it('a server that stops answering commands fails them with a timeout', async () => {
    const s = await serve(async (sock, rd, srv) => {
      await handshake(sock, rd, { size: 1 << 20 });
      await readRequest(rd, srv); // ... and never answers
    });
    const session = await connectNbd(s.uri, { timeoutMs: 400 });
    await expect(settlesWithin(3000, session.write(0, Buffer.alloc(4096, 1)))).rejects.toBeInstanceOf(NbdTimeoutError);
    session.close();
  });

  it('an oversized structured reply is refused before allocating it', async () => {
    const s = await serve(async (sock, rd, srv) => {
      await handshake(sock, rd, { size: 1 << 20, structured: true });
      const r = await readRequest(rd, srv);
      sock.write(encodeStructuredHeader({ flags: 1, type: 1, cookie: r.cookie, length: 0x7fffffff }));
    });
    const session = await connectNbd(s.uri, { timeoutMs: 2000 });
    await expect(session.read(0, 4096)).rejects.toThrow(/exceeds the maximum/);
  });

  it('an unknown reply chunk type is a protocol error', async () => {
    const s = await serve(async (sock, rd, srv) => {
      await handshake(sock, rd, { size: 1 << 20, structured: true });
      const r = await readRequest(rd, srv);
      sock.write(encodeStructuredHeader({ flags: 1, type: 77, cookie: r.cookie, length: 0 }));
    });
    const session = await connectNbd(s.uri, { timeoutMs: 2000 });
    await expect(session.read(0, 4096)).rejects.toThrow(/unknown reply chunk type 77/);
  });

  it('a reply with an unknown cookie is a protocol error and fails what is pending', async () => {
    const s = await serve(async (sock, rd, srv) => {
      await handshake(sock, rd, { size: 1 << 20 });
      const r = await readRequest(rd, srv);
      sock.write(encodeSimpleReply({ error: 0, cookie: r.cookie + 1000 }));
    });
    const session = await connectNbd(s.uri, { timeoutMs: 2000 });
    const err = await session.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbdProtocolError);
    expect((err as Error).message).toMatch(/unknown cookie/);
  });

  it('matches replies sent in reverse order to their requests', async () => {
    const s = await serve(async (sock, rd, srv) => {
      await handshake(sock, rd, { size: 1 << 20 });
      const reqs = [];
      for (let i = 0; i < 8; i++) reqs.push(await readRequest(rd, srv));
      for (const r of reqs.reverse()) {
        sock.write(encodeSimpleReply({ error: 0, cookie: r.cookie }));
        const data = Buffer.alloc(r.length, r.offset / 4096);
        sock.write(data);
      }
    });
    const session = await connectNbd(s.uri, { timeoutMs: 2000, blockStatus: false });
    const reads = await Promise.all(Array.from({ length: 8 }, (_, i) => session.read(i * 4096, 4096)));
    reads.forEach((b, i) => expect(b.every((x) => x === i)).toBe(true));
    session.close();
  });

  it('falls back to NBD_OPT_EXPORT_NAME when GO is not supported, and writes', async () => {
    let written = 0;
    const s = await serve(async (sock, rd, srv) => {
      await handshake(sock, rd, { size: 1 << 20, goUnsupported: true });
      for (;;) {
        const r = await readRequest(rd, srv);
        if (r.type === Cmd.DISC) {
          sock.end();
          return;
        }
        if (r.type === Cmd.WRITE) written += r.length;
        sock.write(encodeSimpleReply({ error: 0, cookie: r.cookie }));
      }
    });
    const session = await connectNbd(s.uri, { timeoutMs: 2000 });
    expect(session.info.negotiatedWith).toBe('export-name');
    await session.write(0, Buffer.alloc(8192, 7));
    await session.disconnect();
    expect(written).toBe(8192);
  });

  it('never writes outside the export: a too-large image is refused before any write', async () => {
    const s = await serve(async (sock, rd, srv) => {
      await handshake(sock, rd, { size: 1 << 20 });
      for (;;) {
        const r = await readRequest(rd, srv);
        sock.write(encodeSimpleReply({ error: 0, cookie: r.cookie }));
      }
    });
    const img = path.join(dir, 'big.raw');
    writeFileSync(img, Buffer.alloc(2 << 20, 1));
    await expect(writeImage({ source: img, target: s.uri, timeoutMs: 2000, verify: false })).rejects.toBeInstanceOf(NbdTargetError);
    expect(s.requests.filter((r) => r.type === Cmd.WRITE || r.type === Cmd.WRITE_ZEROES)).toEqual([]);
    const session = await connectNbd(s.uri, { timeoutMs: 2000 });
    expect(() => session.write((1 << 20) - 100, Buffer.alloc(200))).toThrow(NbdRequestError);
    session.close();
  });

  it('a server that refuses the export gives a typed option error', async () => {
    const s = await serve(async (sock, rd) => {
      sock.write(greeting());
      await rd.read(4);
      for (;;) {
        const hdr = await rd.read(16);
        const len = hdr.readUInt32BE(12);
        if (len) await rd.read(len);
        const opt = hdr.readUInt32BE(8);
        sock.write(optionReply(opt, opt === Opt.GO ? Rep.ERR_UNKNOWN : Rep.ERR_UNSUP, Buffer.from('no such export')));
      }
    });
    await expect(connectNbd(s.uri, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'NBD_OPTION_REFUSED', reply: 'NBD_REP_ERR_UNKNOWN' });
  });
});
