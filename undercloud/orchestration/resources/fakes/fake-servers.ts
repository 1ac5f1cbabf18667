/**
 * A ServerPort that "provisions" instantly (or after `deployMs`), for tests, benchmarks and `server_driver =
 * fake` until the bare-metal service lands. Allocation is idempotent per key, like the real one must be.
 * A profile listed in `failProfiles` ends in `error`, to exercise failures. `rebuild` re-images a server
 * (its instance changes), as `overcloud node rebuild` does to a bare-metal one. With `pool`, at most that
 * many servers exist at once and `shortfalls` answers the engine's pre-flight (any profile fits any node).
 */
import type { ServerNeed, ServerPort, ServerRequest, ServerStatus } from '../../ports.js';
import { ConflictError } from '../../../errors.js';

export interface FakeServersOptions {
  deployMs?: number;
  failProfiles?: string[];
  /** How many nodes there are; unlimited when absent. */
  pool?: number;
}

interface FakeServer { id: string; req: ServerRequest; readyAt: number; nodeId: string; ip: string; imaged: number }

export class FakeServers implements ServerPort {
  readonly name = 'fake';
  readonly servers = new Map<string, FakeServer>();
  private readonly byKey = new Map<string, string>();
  private next = 1;
  released = 0;

  constructor(private readonly options: FakeServersOptions = {}) {}

  async allocate(req: ServerRequest): Promise<string> {
    const have = this.byKey.get(req.key);
    if (have && this.servers.has(have)) return have;
    if (this.options.pool !== undefined && this.servers.size >= this.options.pool) throw new ConflictError('NO_NODE_AVAILABLE', `no node left for ${req.hostname} (pool of ${this.options.pool})`);
    const n = this.next++;
    const id = `fake-server-${n}-${req.hostname}`;
    const ip = `192.0.2.${(n % 250) + 1}`;
    this.servers.set(id, { id, req, readyAt: Date.now() + (this.options.deployMs ?? 0), nodeId: `fake-node-${n}`, ip, imaged: 1 });
    this.byKey.set(req.key, id);
    return id;
  }

  shortfalls(needs: ServerNeed[]): string[] {
    if (this.options.pool === undefined) return [];
    const free = this.options.pool - this.servers.size;
    const wanted = needs.reduce((n, x) => n + x.count, 0);
    return wanted <= free ? [] : [`${needs.map((x) => `${x.paths.join(', ')}: ${x.count}`).join(', ')} new server(s), ${free} node(s) free`];
  }

  async status(serverId: string): Promise<ServerStatus> {
    const s = this.servers.get(serverId);
    if (!s) {
      // Issued by a previous daemon process: the "bare metal" outlived the daemon, as real nodes do.
      if (serverId.startsWith('fake-server-')) return { phase: 'active', nodeId: serverId.replace('server', 'node'), networks: { ctlplane: ['192.0.2.254'] } };
      return { phase: 'error', error: `no such server ${serverId}` };
    }
    if (s.req.profile && this.options.failProfiles?.includes(s.req.profile)) return { phase: 'error', error: `no available node matches profile ${s.req.profile}` };
    if (Date.now() < s.readyAt) return { phase: 'deploying' };
    return { phase: 'active', nodeId: s.nodeId, networks: { ctlplane: [s.ip] } };
  }

  async release(serverId: string): Promise<void> {
    if (this.servers.delete(serverId)) this.released++;
    for (const [k, v] of this.byKey) if (v === serverId) this.byKey.delete(k);
  }

  /** The installed system: known for servers of this process only (one of a previous daemon: unknown). */
  async instance(serverId: string): Promise<string | undefined> {
    const s = this.servers.get(serverId);
    return s ? `${s.id}#${s.imaged}` : undefined;
  }

  /** Images the server again: its instance changes, as after `overcloud node rebuild`. */
  rebuild(serverId: string): void {
    const s = this.servers.get(serverId);
    if (!s) throw new Error(`no such server ${serverId}`);
    s.imaged++;
  }

  get count(): number {
    return this.servers.size;
  }
}
