/**
 * The provisioning network services as one unit the bare-metal module starts and stops: the HTTP boot
 * server and the supervised dnsmasq, both optional per [pxe]. `refreshHosts` re-renders the DHCP host
 * list from the enrolled ports.
 */
import path from 'node:path';
import type { DaemonConfig } from '../daemon/config.js';
import type { Logger } from '../daemon/logging.js';
import type { PxeConfig } from './config.js';
import { DnsmasqSupervisor } from './dnsmasq.js';
import { prefixToNetmask } from './dnsmasq-config.js';
import { HttpBootServer, type BootNodeLookup } from './http-server.js';

export interface HostSource {
  /** Node name -> its PXE MACs. */
  hosts(): Map<string, string[]>;
}

export class PxeServices {
  http: HttpBootServer | undefined;
  dnsmasq: DnsmasqSupervisor | undefined;

  constructor(private readonly config: DaemonConfig, private readonly pxe: PxeConfig, private readonly lookup: BootNodeLookup & HostSource, private readonly log: Logger, private readonly caPem?: string) {}

  get httpRoot(): string {
    return this.pxe.httpRoot ?? path.join(this.config.stateDir, 'httpboot');
  }

  async start(): Promise<void> {
    const localIp = this.config.localIp.split('/')[0]!;
    const httpRoot = this.httpRoot;
    const [listenHost, listenPort] = (this.pxe.httpListen ?? `${localIp}:8088`).split(':') as [string, string];
    if (this.pxe.http) {
      this.http = new HttpBootServer({
        host: listenHost || localIp, port: Number(listenPort), root: httpRoot, lookup: this.lookup, log: this.log, ...(this.caPem ? { caPem: this.caPem } : {}),
        boot: { ...(this.pxe.httpUrl ? { baseUrl: this.pxe.httpUrl.replace(/\/$/, '') } : {}), kernel: this.pxe.deployKernel, ramdisk: this.pxe.deployRamdisk, kernelAppend: this.pxe.kernelAppend, agentEndpoint: this.config.agentListen },
      });
      await this.http.start();
    }
    if (this.pxe.dnsmasq) {
      const subnet = this.config.subnets.find((s) => s.name === this.config.localSubnet) ?? this.config.subnets[0];
      const prefix = Number((subnet?.cidr ?? this.config.localIp).split('/')[1] ?? 24);
      const base = localIp.split('.').slice(0, 3).join('.');
      const bootUrl = `${this.http?.baseUrl ?? this.pxe.httpUrl ?? `http://${localIp}:${listenPort}`}/boot.ipxe`;
      this.dnsmasq = new DnsmasqSupervisor({
        binary: this.pxe.dnsmasqBinary, dir: path.join(this.config.stateDir, 'dnsmasq'), ipxeDir: this.pxe.ipxeDir, log: this.log,
        ...(this.config.networkNamespace ? { wrapper: ['ip', 'netns', 'exec', this.config.networkNamespace] } : {}),
        settings: {
          interface: this.pxe.interface ?? this.config.localInterface, serverIp: localIp,
          dhcpStart: subnet?.dhcpStart ?? `${base}.5`, dhcpEnd: subnet?.dhcpEnd ?? `${base}.24`, netmask: prefixToNetmask(prefix),
          leaseTime: this.pxe.dhcpLeaseTime, gateway: subnet?.gateway, nameservers: this.config.nameservers,
          tftpRoot: this.pxe.tftpRoot ?? path.join(this.config.stateDir, 'tftpboot'), bootScriptUrl: bootUrl,
        },
      });
      this.dnsmasq.prepare();
      this.dnsmasq.setHosts(this.lookup.hosts());
      this.dnsmasq.start();
    }
  }

  refreshHosts(): void {
    this.dnsmasq?.setHosts(this.lookup.hosts());
  }

  async stop(): Promise<void> {
    await this.dnsmasq?.stop();
    await this.http?.stop();
  }
}
