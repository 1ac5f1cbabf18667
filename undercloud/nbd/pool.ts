/**
 * Several sessions to one export, used only when the server sets NBD_FLAG_CAN_MULTI_CONN (then a FLUSH
 * on any connection covers writes completed on all of them, so one flush makes everything durable).
 */
import { TFlag } from './constants.js';
import { connectNbd, type ConnectOptions } from './connect.js';
import type { NbdSession } from './session.js';
import type { NbdAddress } from './uri.js';

export class NbdPool {
  private next = 0;
  private constructor(readonly sessions: NbdSession[]) {}

  static async open(addr: NbdAddress, connections: number, opts: ConnectOptions): Promise<NbdPool> {
    const first = await connectNbd(addr, opts);
    const sessions = [first];
    if (connections > 1 && first.has(TFlag.CAN_MULTI_CONN)) {
      const more = await Promise.allSettled(Array.from({ length: connections - 1 }, () => connectNbd(addr, opts)));
      for (const r of more) if (r.status === 'fulfilled') sessions.push(r.value);
    }
    return new NbdPool(sessions);
  }

  get primary(): NbdSession {
    return this.sessions[0]!;
  }

  /** The next session, round robin, preferring the least busy. */
  pick(): NbdSession {
    let best = this.sessions[this.next % this.sessions.length]!;
    this.next++;
    for (const s of this.sessions) if (s.inFlight < best.inFlight) best = s;
    return best;
  }

  /** One FLUSH suffices under CAN_MULTI_CONN; with a single session it is that session's flush. */
  flush(): Promise<void> {
    return this.primary.flush();
  }

  async disconnect(): Promise<void> {
    await Promise.allSettled(this.sessions.map((s) => s.disconnect()));
  }

  close(): void {
    for (const s of this.sessions) s.close();
  }
}
