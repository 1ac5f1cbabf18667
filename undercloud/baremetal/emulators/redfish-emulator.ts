/**
 * A small Redfish BMC over libvirt, for tests and the lab (Debian has no sushy-tools): each libvirt domain
 * is a ComputerSystem. It answers what our redfish driver uses: the service root, the Systems collection,
 * a System (PowerState, Boot), ComputerSystem.Reset and a PATCH of the boot source override. Optional
 * basic auth. Run it as a script:
 *   node dist/undercloud/baremetal/emulators/redfish-emulator.js --listen 127.0.0.1:8000 [--uri qemu:///system] [--user U --password P]
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Virsh, VirshError } from '../drivers/power/libvirt/virsh.js';
import { firstBootDevice, setBootDevice } from '../drivers/power/libvirt/boot-xml.js';
import type { BootDevice } from '../node.js';

export interface RedfishEmulatorOptions {
  host: string;
  port: number;
  libvirtUri: string;
  /** Only these domains are exposed; default: all. */
  domains?: readonly string[];
  auth?: { user: string; password: string };
}

const TARGET_TO_DEV: Record<string, BootDevice> = { Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom' };
const DEV_TO_TARGET: Record<BootDevice, string> = { pxe: 'Pxe', disk: 'Hdd', cdrom: 'Cd', bios: 'BiosSetup' };

export class RedfishEmulator {
  private server: Server | undefined;
  private readonly virsh: Virsh;
  /** Override "enabled" per domain (libvirt keeps only the device, so Once/Continuous is remembered here). */
  private readonly overrideEnabled = new Map<string, string>();
  port = 0;

  constructor(private readonly o: RedfishEmulatorOptions) {
    this.virsh = new Virsh(o.libvirtUri);
  }

  get url(): string {
    return `http://${this.o.host}:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => json(res, err instanceof VirshError && /not found|no domain/i.test(err.message) ? 404 : 500, redfishError(err.message)));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.server = server;
    const a = server.address();
    this.port = typeof a === 'object' && a ? a.port : this.o.port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async domains(signal: AbortSignal): Promise<string[]> {
    const all = await this.virsh.listAll(signal);
    return this.o.domains ? all.filter((d) => this.o.domains!.includes(d)) : all;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.o.auth) {
      const want = 'Basic ' + Buffer.from(`${this.o.auth.user}:${this.o.auth.password}`).toString('base64');
      if (req.headers.authorization !== want) return json(res, 401, redfishError('authentication required'));
    }
    const signal = AbortSignal.timeout(30_000);
    const p = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/$/, '');
    const body = await readBody(req);
    if (req.method === 'GET' && p === '/redfish/v1') {
      return json(res, 200, { '@odata.id': '/redfish/v1', Id: 'RootService', Name: 'undercloud Redfish emulator', RedfishVersion: '1.6.0', Systems: { '@odata.id': '/redfish/v1/Systems' } });
    }
    if (req.method === 'GET' && p === '/redfish/v1/Systems') {
      const ds = await this.domains(signal);
      return json(res, 200, { '@odata.id': '/redfish/v1/Systems', Name: 'Computer System Collection', 'Members@odata.count': ds.length, Members: ds.map((d) => ({ '@odata.id': `/redfish/v1/Systems/${encodeURIComponent(d)}` })) });
    }
    const m = /^\/redfish\/v1\/Systems\/([^/]+)(\/Actions\/ComputerSystem\.Reset)?$/.exec(p);
    if (!m) return json(res, 404, redfishError(`no resource ${p}`));
    const domain = decodeURIComponent(m[1]!);
    if (!(await this.domains(signal)).includes(domain)) return json(res, 404, redfishError(`no system ${domain}`));
    if (m[2]) {
      if (req.method !== 'POST') return json(res, 405, redfishError('use POST'));
      const type = (body as { ResetType?: string }).ResetType;
      const state = await this.virsh.domState(domain, signal);
      const on = state !== 'shut off' && state !== 'crashed';
      switch (type) {
        case 'On': if (!on) await this.virsh.start(domain, signal); break;
        case 'ForceOff': case 'GracefulShutdown': if (on) await this.virsh.destroy(domain, signal); break;
        case 'ForceRestart': case 'GracefulRestart': if (on) await this.virsh.reset(domain, signal); else await this.virsh.start(domain, signal); break;
        default: return json(res, 400, redfishError(`unsupported ResetType ${JSON.stringify(type)}`));
      }
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'PATCH') {
      const boot = (body as { Boot?: { BootSourceOverrideTarget?: string; BootSourceOverrideEnabled?: string } }).Boot ?? {};
      if (boot.BootSourceOverrideTarget !== undefined) {
        const dev = TARGET_TO_DEV[boot.BootSourceOverrideTarget];
        if (!dev) return json(res, 400, redfishError(`unsupported BootSourceOverrideTarget ${boot.BootSourceOverrideTarget}`));
        await this.virsh.define(setBootDevice(await this.virsh.dumpXml(domain, signal), dev), signal);
      }
      if (boot.BootSourceOverrideEnabled !== undefined) this.overrideEnabled.set(domain, boot.BootSourceOverrideEnabled);
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET') return json(res, 405, redfishError('method not allowed'));
    const [state, xml] = await Promise.all([this.virsh.domState(domain, signal), this.virsh.dumpXml(domain, signal)]);
    const dev = firstBootDevice(xml);
    return json(res, 200, {
      '@odata.id': `/redfish/v1/Systems/${encodeURIComponent(domain)}`, Id: domain, Name: domain,
      PowerState: state === 'shut off' || state === 'crashed' ? 'Off' : 'On',
      Boot: { BootSourceOverrideTarget: dev ? DEV_TO_TARGET[dev] : 'None', BootSourceOverrideEnabled: this.overrideEnabled.get(domain) ?? 'Continuous', 'BootSourceOverrideTarget@Redfish.AllowableValues': ['Pxe', 'Hdd', 'Cd'] },
      Actions: { '#ComputerSystem.Reset': { target: `/redfish/v1/Systems/${encodeURIComponent(domain)}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': ['On', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'GracefulRestart'] } },
    });
  }
}

function redfishError(message: string) {
  return { error: { code: 'Base.1.0.GeneralError', message, '@Message.ExtendedInfo': [{ Message: message }] } };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString();
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const [host, port] = (arg('--listen') ?? '127.0.0.1:8000').split(':') as [string, string];
  const user = arg('--user');
  const emu = new RedfishEmulator({
    host, port: Number(port), libvirtUri: arg('--uri') ?? 'qemu:///system',
    ...(user ? { auth: { user, password: arg('--password') ?? process.env.REDFISH_PASSWORD ?? '' } } : {}),
  });
  await emu.start();
  process.stdout.write(`redfish emulator listening on ${emu.url} (libvirt ${arg('--uri') ?? 'qemu:///system'})\n`);
  const stop = () => void emu.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`redfish-emulator: ${err.message}\n`);
    process.exit(1);
  });
}
