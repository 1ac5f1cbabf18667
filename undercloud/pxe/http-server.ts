/**
 * The HTTP boot server: the iPXE chain script, per-node scripts (chosen by MAC from the node's provision
 * state at request time), and static files under http_root (kernel, ramdisk, images) with HEAD and single
 * byte ranges. Paths are confined to the root.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../daemon/logging.js';
import { chainScript, nodeScript, type RamdiskBoot } from './ipxe-scripts.js';
import type { ProvisionState } from '../baremetal/states.js';

const CA_PATH = '/agent-ca.crt';

export interface BootNodeLookup {
  /** The node owning `mac` (lower case, colon separated), if enrolled. */
  byMac(mac: string): { id: string; name: string; provisionState: ProvisionState } | undefined;
  /** The one-time token of a prepared ramdisk boot; without one the node boots its disk. */
  agentToken?(nodeId: string): string | undefined;
}

export interface HttpBootOptions {
  host: string;
  port: number;
  root: string;
  boot: Omit<RamdiskBoot, 'baseUrl'> & { baseUrl?: string };
  lookup: BootNodeLookup;
  log: Logger;
  /** The undercloud CA, served at /agent-ca.crt for ramdisks (they check its sha256 from the kernel line). */
  caPem?: string;
}

export class HttpBootServer {
  private server: Server | undefined;
  private boundPort = 0;

  constructor(private readonly o: HttpBootOptions) {}

  get port(): number {
    return this.boundPort;
  }

  get baseUrl(): string {
    return this.o.boot.baseUrl ?? `http://${this.o.host}:${this.boundPort}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        this.o.log.warn('http boot request failed', { url: req.url, error: err.message });
        if (!res.headersSent) send(res, 500, 'internal error\n');
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.server = server;
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : this.o.port;
    this.o.log.info('http boot server listening', { url: this.baseUrl, root: this.o.root });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    const url = new URL(req.url ?? '/', 'http://x');
    const p = decodeURIComponent(url.pathname);
    if (p === '/boot.ipxe') return send(res, 200, chainScript(this.baseUrl), 'text/plain');
    if (p === CA_PATH && this.o.caPem) return send(res, 200, this.o.caPem, 'application/x-pem-file');
    const m = /^\/ipxe\/([0-9a-fA-F]{2}(?:[-:][0-9a-fA-F]{2}){5})\.ipxe$/.exec(p);
    if (m) {
      const mac = m[1]!.toLowerCase().replace(/-/g, ':');
      const node = this.o.lookup.byMac(mac);
      const ca = this.o.caPem ? { caUrl: `${this.baseUrl}${CA_PATH}`, caSha256: createHash('sha256').update(this.o.caPem).digest('hex') } : {};
      const script = nodeScript(node, mac, { ...this.o.boot, ...ca, baseUrl: this.baseUrl }, node ? this.o.lookup.agentToken?.(node.id) : undefined);
      this.o.log.info('ipxe script served', { mac, node: node?.name, state: node?.provisionState });
      return send(res, 200, script, 'text/plain');
    }
    return this.serveFile(req, res, p);
  }

  private async serveFile(req: IncomingMessage, res: ServerResponse, p: string): Promise<void> {
    const root = path.resolve(this.o.root);
    const file = path.resolve(root, '.' + p);
    if (file !== root && !file.startsWith(root + path.sep)) return send(res, 403, 'forbidden\n');
    let st;
    try {
      st = await stat(file);
    } catch {
      return send(res, 404, 'not found\n');
    }
    if (!st.isFile()) return send(res, 404, 'not found\n');
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    const range = req.headers.range;
    if (range) {
      const r = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (!r || (r[1] === '' && r[2] === '')) return send(res, 416, 'bad range\n');
      if (r[1] === '') start = Math.max(0, st.size - Number(r[2]));
      else {
        start = Number(r[1]);
        if (r[2] !== '') end = Math.min(end, Number(r[2]));
      }
      if (start > end || start >= st.size) {
        res.writeHead(416, { 'content-range': `bytes */${st.size}` });
        return void res.end();
      }
      status = 206;
    }
    const headers: Record<string, string | number> = { 'content-length': end - start + 1, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream', 'last-modified': st.mtime.toUTCString() };
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || st.size === 0) return void res.end();
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(file, { start, end });
      stream.on('error', reject);
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  }
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
