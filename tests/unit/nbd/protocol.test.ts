import { describe, expect, it } from 'vitest';
import { Cmd, Info, Opt, ReplyType, errnoName } from '../../../undercloud/nbd/constants.js';
import { NbdProtocolError } from '../../../undercloud/nbd/errors.js';
import {
  decodeBlockStatus, decodeErrorChunk, decodeExportNameReply, decodeGreeting, decodeInfo, decodeMetaContextReply, decodeOffsetData,
  decodeOffsetHole, decodeOptionReplyHeader, decodeRequest, decodeServerReply, decodeSimpleReply, decodeStructuredHeader,
  encodeClientFlags, encodeExportName, encodeGo, encodeMetaContext, encodeOption, encodeRequest, encodeSimpleReply, encodeStructuredHeader, replyKind,
} from '../../../undercloud/nbd/protocol.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('handshake encoding', () => {
  it('decodes a fixed-newstyle greeting with NO_ZEROES', () => {
    // "NBDMAGIC" "IHAVEOPT" flags=0x0003
    expect(decodeGreeting(hex('4e42444d41474943 49484156454f5054 0003'))).toEqual({ handshakeFlags: 3 });
  });

  it('refuses a wrong magic, an oldstyle server and a truncated greeting', () => {
    expect(() => decodeGreeting(hex('4e42444d41474944 49484156454f5054 0003'))).toThrow(NbdProtocolError);
    expect(() => decodeGreeting(hex('4e42444d41474943 0000420281861253 0003'))).toThrow(/oldstyle/);
    expect(() => decodeGreeting(hex('4e42444d4147'))).toThrow(/truncated/);
  });

  it('encodes client flags and options byte for byte', () => {
    expect(encodeClientFlags(3).toString('hex')).toBe('00000003');
    expect(encodeOption(Opt.STARTTLS).toString('hex')).toBe('49484156454f5054' + '00000005' + '00000000');
    expect(encodeExportName('ab').toString('hex')).toBe('49484156454f5054' + '00000001' + '00000002' + '6162');
  });

  it('encodes NBD_OPT_GO with the export name and the info requests', () => {
    const b = encodeGo('disk', [Info.BLOCK_SIZE]);
    expect(b.toString('hex')).toBe('49484156454f5054' + '00000007' + '0000000c' + '00000004' + '6469736b' + '0001' + '0003');
  });

  it('encodes SET_META_CONTEXT with its queries', () => {
    const b = encodeMetaContext(Opt.SET_META_CONTEXT, '', ['base:allocation']);
    expect(b.subarray(8, 16).toString('hex')).toBe('0000000a' + '0000001b');
    expect(b.subarray(16).toString('hex')).toBe('00000000' + '00000001' + '0000000f' + Buffer.from('base:allocation').toString('hex'));
  });

  it('decodes option reply headers and checks their magic', () => {
    expect(decodeOptionReplyHeader(hex('0003e889045565a9 00000007 00000003 0000000c'))).toEqual({ option: 7, type: 3, length: 12 });
    expect(() => decodeOptionReplyHeader(hex('0003e889045565a8 00000007 00000003 0000000c'))).toThrow(/magic/);
  });

  it('decodes NBD_INFO_EXPORT and NBD_INFO_BLOCK_SIZE, and rejects impossible block sizes', () => {
    expect(decodeInfo(hex('0000 0000000040000000 01ed'))).toEqual({ type: 'export', size: 1 << 30, flags: 0x1ed });
    expect(decodeInfo(hex('0003 00000200 00001000 02000000'))).toEqual({ type: 'block-size', minimum: 512, preferred: 4096, maximum: 32 * 1024 * 1024 });
    expect(() => decodeInfo(hex('0003 00000300 00001000 02000000'))).toThrow(/block sizes/); // minimum not a power of two
    expect(() => decodeInfo(hex('0000 00000000400000'))).toThrow(/NBD_INFO_EXPORT/);
    expect(decodeInfo(hex('0001 6469736b'))).toEqual({ type: 'name', name: 'disk' });
    expect(decodeInfo(hex('0009'))).toEqual({ type: 'unknown', info: 9 });
  });

  it('decodes LIST and META_CONTEXT replies, and the EXPORT_NAME reply', () => {
    expect(decodeServerReply(hex('00000004 6469736b 6869'))).toEqual({ name: 'disk', description: 'hi' });
    expect(() => decodeServerReply(hex('00000009 6469736b'))).toThrow(/overruns/);
    expect(decodeMetaContextReply(Buffer.concat([hex('00000001'), Buffer.from('base:allocation')]))).toEqual({ id: 1, name: 'base:allocation' });
    expect(decodeExportNameReply(hex('0000000000100000 0003'))).toEqual({ size: 1 << 20, flags: 3 });
  });
});

describe('transmission encoding', () => {
  it('encodes a request header (28 bytes) and decodes it back', () => {
    const r = { flags: 0x10, type: Cmd.WRITE_ZEROES, cookie: 0x100000002, offset: 2 ** 40 + 512, length: 4096 };
    const b = encodeRequest(r);
    expect(b.toString('hex')).toBe('25609513' + '0010' + '0006' + '0000000100000002' + '0000010000000200' + '00001000');
    expect(decodeRequest(b)).toEqual(r);
  });

  it('tells simple from structured replies and rejects other magics', () => {
    expect(replyKind(0x67446698)).toBe('simple');
    expect(replyKind(0x668e33ef)).toBe('structured');
    expect(() => replyKind(0x12345678)).toThrow(/bad reply magic/);
  });

  it('round-trips simple and structured reply headers', () => {
    expect(encodeSimpleReply({ error: 5, cookie: 7 }).toString('hex')).toBe('67446698' + '00000005' + '0000000000000007');
    expect(decodeSimpleReply(hex('67446698 00000000 0000000000000009'))).toEqual({ error: 0, cookie: 9 });
    const h = { flags: 1, type: ReplyType.OFFSET_DATA, cookie: 3, length: 12 };
    expect(decodeStructuredHeader(encodeStructuredHeader(h))).toEqual(h);
    expect(encodeStructuredHeader(h).toString('hex')).toBe('668e33ef' + '0001' + '0001' + '0000000000000003' + '0000000c');
  });

  it('decodes data, hole, block status and error chunks', () => {
    const d = decodeOffsetData(hex('0000000000001000 aabb'));
    expect(d.offset).toBe(4096);
    expect(d.data.toString('hex')).toBe('aabb');
    expect(decodeOffsetHole(hex('0000000000002000 00000200'))).toEqual({ offset: 8192, length: 512 });
    expect(decodeBlockStatus(hex('00000001 00001000 00000000 00010000 00000003'))).toEqual({ contextId: 1, extents: [{ length: 4096, flags: 0 }, { length: 65536, flags: 3 }] });
    expect(() => decodeBlockStatus(hex('00000001 00001000'))).toThrow(NbdProtocolError);
    expect(decodeErrorChunk(ReplyType.ERROR, hex('00000005 0002 6f6f'))).toEqual({ error: 5, message: 'oo' });
    expect(decodeErrorChunk(ReplyType.ERROR_OFFSET, hex('0000001c 0000 0000000000000200'))).toEqual({ error: 28, message: '', offset: 512 });
    expect(() => decodeErrorChunk(ReplyType.ERROR, hex('00000005 0009 6f6f'))).toThrow(/overruns/);
  });

  it('names errnos as the spec does', () => {
    expect([1, 5, 12, 22, 28, 75, 95, 108].map(errnoName)).toEqual(['EPERM', 'EIO', 'ENOMEM', 'EINVAL', 'ENOSPC', 'EOVERFLOW', 'ENOTSUP', 'ESHUTDOWN']);
    expect(errnoName(99)).toBe('ERRNO_99');
  });
});
