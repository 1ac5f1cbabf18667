import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ByteReader } from '../../../undercloud/nbd/byte-reader.js';
import { NbdDisconnectedError, NbdTimeoutError } from '../../../undercloud/nbd/errors.js';

describe('ByteReader', () => {
  it('returns exactly n bytes across chunk boundaries, in order', async () => {
    const s = new PassThrough();
    const r = new ByteReader(s);
    const a = r.read(3);
    s.write(Buffer.from('ab'));
    s.write(Buffer.from('cdef'));
    expect((await a).toString()).toBe('abc');
    expect((await r.read(2)).toString()).toBe('de');
    expect(r.pending).toBe(1);
  });

  it('times out a read the peer never satisfies', async () => {
    const r = new ByteReader(new PassThrough());
    await expect(r.read(4, 50, 'greeting')).rejects.toBeInstanceOf(NbdTimeoutError);
  });

  it('fails pending and later reads when the stream ends', async () => {
    const s = new PassThrough();
    const r = new ByteReader(s);
    const p = r.read(10);
    s.end(Buffer.from('abc'));
    s.resume();
    await expect(p).rejects.toBeInstanceOf(NbdDisconnectedError);
    await expect(r.read(1)).resolves.toHaveLength(1); // buffered bytes are still readable
    await expect(r.read(5)).rejects.toBeInstanceOf(NbdDisconnectedError);
  });

  it('can move to another stream (STARTTLS) and reports unread bytes when detached', async () => {
    const a = new PassThrough();
    const b = new PassThrough();
    const r = new ByteReader(a);
    a.write(Buffer.from('x'));
    await new Promise((res) => setImmediate(res));
    expect(r.detach()).toBe(1);
    r.attach(b);
    b.write(Buffer.from('yz'));
    expect((await r.read(3)).toString()).toBe('xyz');
  });
});
