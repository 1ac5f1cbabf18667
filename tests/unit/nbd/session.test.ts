/** The session over an in-memory duplex (no socket): replies out of order, structured chunks, block status. */
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteReader } from '../../../undercloud/nbd/byte-reader.js';
import { Cmd, ReplyType, TFlag } from '../../../undercloud/nbd/constants.js';
import { NbdCommandError, NbdProtocolError, NbdRequestError } from '../../../undercloud/nbd/errors.js';
import type { ExportInfo } from '../../../undercloud/nbd/handshake.js';
import { decodeRequest, encodeSimpleReply, encodeStructuredHeader, type Request } from '../../../undercloud/nbd/protocol.js';
import { NbdSession } from '../../../undercloud/nbd/session.js';

/** A duplex whose written bytes go to `onRequest` and whose readable side the test pushes replies into. */
function pair(onRequest: (r: Request, push: (b: Buffer) => void) => void) {
  let pending = Buffer.alloc(0);
  const d: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 28) {
        const r = decodeRequest(pending);
        const total = 28 + (r.type === Cmd.WRITE ? r.length : 0);
        if (pending.length < total) break;
        pending = pending.subarray(total);
        onRequest(r, (b) => d.push(b));
      }
      cb();
    },
  });
  return d;
}

function info(over: Partial<ExportInfo> = {}): ExportInfo {
  return {
    name: '', size: 1 << 20, flags: TFlag.HAS_FLAGS | TFlag.SEND_FLUSH | TFlag.SEND_WRITE_ZEROES | TFlag.SEND_TRIM,
    blockSize: { minimum: 1, preferred: 4096, maximum: 65536 }, blockSizeAdvertised: false, structuredReplies: true,
    metaContexts: new Map([['base:allocation', 7]]), tls: false, negotiatedWith: 'go', ...over,
  };
}

function chunk(type: number, cookie: number, payload: Buffer, done: boolean): Buffer {
  return Buffer.concat([encodeStructuredHeader({ flags: done ? 1 : 0, type, cookie, length: payload.length }), payload]);
}

const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

describe('NbdSession', () => {
  it('assembles a structured READ from data and hole chunks, and completes commands answered out of order', async () => {
    const held: [Request, (b: Buffer) => void][] = [];
    const d = pair((r, push) => {
      held.push([r, push]);
      if (held.length < 3) return;
      for (const [req, p] of held.reverse()) {
        if (req.type === Cmd.READ) {
          p(chunk(ReplyType.OFFSET_HOLE, req.cookie, Buffer.concat([u64(req.offset), Buffer.from([0, 0, 0x10, 0])]), false));
          p(chunk(ReplyType.OFFSET_DATA, req.cookie, Buffer.concat([u64(req.offset + 4096), Buffer.alloc(4096, 9)]), true));
        } else p(encodeSimpleReply({ error: 0, cookie: req.cookie }));
      }
    });
    const s = new NbdSession(d as never, new ByteReader(d), info(), { timeoutMs: 2000 });
    const [w, rd, f] = await Promise.all([s.write(0, Buffer.alloc(512, 1)), s.read(8192, 8192), s.flush()]);
    expect(w).toBeUndefined();
    expect(f).toBeUndefined();
    expect(rd.subarray(0, 4096).every((b) => b === 0)).toBe(true);
    expect(rd.subarray(4096).every((b) => b === 9)).toBe(true);
    s.close();
  });

  it('turns BLOCK_STATUS descriptors into extents, ignoring other contexts', async () => {
    const d = pair((r, push) => {
      const desc = (ctx: number, pairs: number[]) => {
        const b = Buffer.alloc(4 + 4 * pairs.length);
        b.writeUInt32BE(ctx, 0);
        pairs.forEach((v, i) => b.writeUInt32BE(v, 4 + 4 * i));
        return b;
      };
      push(chunk(ReplyType.BLOCK_STATUS, r.cookie, desc(3, [r.length, 0]), false));
      push(chunk(ReplyType.BLOCK_STATUS, r.cookie, desc(7, [4096, 0, 61440, 3]), true));
    });
    const s = new NbdSession(d as never, new ByteReader(d), info(), { timeoutMs: 2000 });
    expect(await s.blockStatus(0, 65536)).toEqual([
      { offset: 0, length: 4096, zero: false, hole: false },
      { offset: 4096, length: 61440, zero: true, hole: true },
    ]);
    s.close();
  });

  it('reports an error chunk as NbdCommandError with the errno name and message', async () => {
    const d = pair((r, push) => {
      const msg = Buffer.from('disk on fire');
      const p = Buffer.alloc(6 + msg.length);
      p.writeUInt32BE(5, 0);
      p.writeUInt16BE(msg.length, 4);
      msg.copy(p, 6);
      push(chunk(ReplyType.ERROR, r.cookie, p, true));
    });
    const s = new NbdSession(d as never, new ByteReader(d), info(), { timeoutMs: 2000 });
    const err = await s.read(0, 4096).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbdCommandError);
    expect(err).toMatchObject({ errno: 'EIO', code: 'NBD_EIO' });
    expect((err as Error).message).toMatch(/disk on fire/);
    s.close();
  });

  it('rejects a data chunk outside the request as a protocol error', async () => {
    const d = pair((r, push) => push(chunk(ReplyType.OFFSET_DATA, r.cookie, Buffer.concat([u64(r.offset + 1_000_000), Buffer.alloc(16)]), true)));
    const s = new NbdSession(d as never, new ByteReader(d), info(), { timeoutMs: 2000 });
    await expect(s.read(0, 4096)).rejects.toBeInstanceOf(NbdProtocolError);
  });

  it('refuses requests the export cannot take, before sending anything', () => {
    let sent = 0;
    const d = pair(() => sent++);
    const s = new NbdSession(d as never, new ByteReader(d), info({ blockSizeAdvertised: true, blockSize: { minimum: 512, preferred: 4096, maximum: 65536 } }), { timeoutMs: 2000 });
    expect(() => s.write(1 << 20, Buffer.alloc(512))).toThrow(NbdRequestError);
    expect(() => s.write(100, Buffer.alloc(512))).toThrow(/minimum block size/);
    expect(() => s.read(0, 131072)).toThrow(/maximum payload/);
    expect(sent).toBe(0);
    s.close();
  });
  it('reads into the caller\'s buffer: data chunks in place, holes zeroed over old bytes, the result a view of it', async () => {
    const d = pair((r, push) => {
      push(chunk(ReplyType.OFFSET_DATA, r.cookie, Buffer.concat([u64(r.offset + 4096), Buffer.alloc(4096, 9)]), false));
      push(chunk(ReplyType.OFFSET_HOLE, r.cookie, Buffer.concat([u64(r.offset), Buffer.from([0, 0, 0x10, 0])]), true));
    });
    const s = new NbdSession(d as never, new ByteReader(d), info(), { timeoutMs: 2000 });
    const into = Buffer.alloc(16384, 0xee);
    const got = await s.read(8192, 8192, into);
    expect(got.buffer).toBe(into.buffer);
    expect(got.length).toBe(8192);
    expect(into.subarray(0, 4096).every((b) => b === 0)).toBe(true);
    expect(into.subarray(4096, 8192).every((b) => b === 9)).toBe(true);
    expect(into.subarray(8192).every((b) => b === 0xee)).toBe(true);
    s.close();
  });

  it('reads into the caller\'s buffer with simple replies too, and fails a structured reply that leaves bytes uncovered', async () => {
    const simple = pair((r, push) => push(Buffer.concat([encodeSimpleReply({ error: 0, cookie: r.cookie }), Buffer.alloc(r.length, 5)])));
    const s1 = new NbdSession(simple as never, new ByteReader(simple), info({ structuredReplies: false, metaContexts: new Map() }), { timeoutMs: 2000 });
    const into = Buffer.alloc(4096, 1);
    expect((await s1.read(0, 4096, into)).every((b) => b === 5)).toBe(true);
    s1.close();
    const partial = pair((r, push) => push(chunk(ReplyType.OFFSET_DATA, r.cookie, Buffer.concat([u64(r.offset), Buffer.alloc(100, 3)]), true)));
    const s2 = new NbdSession(partial as never, new ByteReader(partial), info(), { timeoutMs: 2000 });
    await expect(s2.read(0, 4096, Buffer.alloc(4096))).rejects.toThrow(/covered 100 of 4096/);
  });

  it('disconnect sends DISC and resolves once the stream has closed (its receive buffer is free again)', async () => {
    const types: number[] = [];
    const d = pair((r) => types.push(r.type));
    const s = new NbdSession(d as never, new ByteReader(d), info(), { timeoutMs: 2000 });
    await s.disconnect();
    expect(types).toEqual([Cmd.DISC]);
    expect(d.closed).toBe(true);
  });
});
