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

describe('ByteReader fed from a reused receive buffer (onread)', () => {
  it('copies what a read needs, keeps the rest in place with the socket paused, and resumes once it is read', async () => {
    const s = new PassThrough();
    let resumed = 0;
    s.resume = () => {
      resumed++;
      return s;
    };
    const r = new ByteReader(s);
    resumed = 0; // attaching a 'data' listener resumes the stream once
    const head = r.read(4);
    const recv = Buffer.from('HEADpayload!');
    expect(r.pushBorrowed(recv)).toBe(false); // 8 bytes nobody asked for yet: pause
    expect((await head).toString()).toBe('HEAD');
    expect(r.pending).toBe(8);
    const into = Buffer.alloc(8);
    await r.readInto(into);
    expect(into.toString()).toBe('payload!');
    expect(resumed).toBe(1);
    const next = r.readInto(Buffer.alloc(6));
    expect(r.pushBorrowed(Buffer.from('abc'))).toBe(true); // straight into the waiting buffer
    expect(r.pushBorrowed(Buffer.from('def'))).toBe(true);
    expect((await next).toString()).toBe('abcdef');
  });

  it('keeps a copy of borrowed bytes when the connection fails', async () => {
    const s = new PassThrough();
    const r = new ByteReader(s);
    const recv = Buffer.from('xyz');
    expect(r.pushBorrowed(recv)).toBe(false);
    r.fail(new NbdDisconnectedError('gone'));
    recv.fill(0); // the socket reuses its buffer
    expect((await r.read(3)).toString()).toBe('xyz');
    await expect(r.read(1)).rejects.toBeInstanceOf(NbdDisconnectedError);
  });
});
