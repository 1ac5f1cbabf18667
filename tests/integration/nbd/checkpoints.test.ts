/**
 * Checkpoint FLUSHes while the image is written (writer.ts): every `checkpointBytes` of data one FLUSH goes
 * out once the writes before it have completed; writes go on while it is unanswered, but the next
 * checkpoint is not reached before it is answered. A scripted server that answers FLUSH slowly records
 * what arrives while each FLUSH is outstanding.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cmd } from '../../../undercloud/nbd/constants.js';
import { encodeSimpleReply } from '../../../undercloud/nbd/protocol.js';
import { writeImage } from '../../../undercloud/nbd/writer.js';
import { fakeNbdServer, handshake, readRequest, type FakeServer } from './fake-server.js';
import { MiB, makeRawImage } from './images.js';

let dir: string;
let raw: string;
const servers: FakeServer[] = [];
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbd-checkpoints-'));
  raw = makeRawImage(path.join(dir, 'image.raw'));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

interface FlushRecord {
  /** Data bytes written before the FLUSH arrived. */
  before: number;
  /** Data bytes that arrived while it was unanswered. */
  during: number;
  /** Other FLUSHes outstanding when it arrived. */
  overlapping: number;
}

/** A one-connection memory-backed server whose FLUSH replies take `flushMs`. */
async function slowFlushServer(size: number, flushMs: number): Promise<{ server: FakeServer; disk: Buffer; flushes: FlushRecord[] }> {
  const disk = Buffer.alloc(size);
  const flushes: FlushRecord[] = [];
  let written = 0;
  const open = new Set<FlushRecord>();
  const server = await fakeNbdServer(dir, `slow-flush-${servers.length}`, async (sock, rd, srv) => {
    await handshake(sock, rd, { size });
    for (;;) {
      const r = await readRequest(rd, srv);
      if (r.type === Cmd.DISC) return void sock.end();
      if (r.type === Cmd.WRITE) {
        r.payload!.copy(disk, r.offset);
        written += r.length;
        for (const f of open) f.during += r.length;
      } else if (r.type === Cmd.WRITE_ZEROES || r.type === Cmd.TRIM) {
        disk.fill(0, r.offset, r.offset + r.length);
      } else if (r.type === Cmd.FLUSH) {
        const f: FlushRecord = { before: written, during: 0, overlapping: open.size };
        flushes.push(f);
        open.add(f);
        setTimeout(() => {
          open.delete(f);
          sock.write(encodeSimpleReply({ error: 0, cookie: r.cookie }));
        }, flushMs);
        continue;
      }
      sock.write(encodeSimpleReply({ error: 0, cookie: r.cookie }));
    }
  });
  servers.push(server);
  return { server, disk, flushes };
}

describe('checkpoint FLUSHes while writing', () => {
  it('one FLUSH per checkpoint, writes flowing while it is unanswered, never a checkpoint past an unanswered one', async () => {
    const { server, disk, flushes } = await slowFlushServer(8 * MiB, 150);
    const checkpoint = MiB;
    const r = await writeImage({ source: raw, target: server.uri, checkpointBytes: checkpoint, requestSize: 64 * 1024, maxInFlightBytes: 256 * 1024, verify: false });
    expect(disk.equals(readFileSync(raw))).toBe(true);
    const checkpoints = flushes.slice(0, -1); // the last FLUSH is the final one
    expect(checkpoints.length).toBe(Math.floor((r.dataBytes - 1) / checkpoint));
    for (const [i, f] of checkpoints.entries()) {
      expect(f.overlapping).toBe(0); // the one before was answered first
      expect(f.before).toBeGreaterThanOrEqual((i + 1) * checkpoint);
      // The pipe keeps flowing behind a checkpoint, up to the next one and not past it: nearly a whole
      // checkpoint more is sent before the answer (waiting after half of one stalled every flush).
      expect(f.during).toBeGreaterThan(0);
      const sent = f.before + f.during;
      if (r.dataBytes - f.before >= checkpoint) expect(sent).toBeGreaterThan((i + 1.75) * checkpoint);
      expect(sent).toBeLessThan((i + 2) * checkpoint + 256 * 1024);
    }
    expect(flushes.at(-1)!.before).toBe(r.dataBytes);
  });
});
