/**
 * [pxe] in undercloud.conf: the provisioning network services. dnsmasq and the HTTP boot server are off
 * unless enabled (`undercloud install` turns them on), so a daemon started for tests binds nothing.
 */
import { defineSection } from '../daemon/config-sections.js';

export interface PxeConfig {
  dnsmasq: boolean;
  dnsmasqBinary: string;
  http: boolean;
  /** host:port of the HTTP boot server; host empty = [DEFAULT] local_ip. */
  httpListen: string | undefined;
  /** URL nodes use to reach the HTTP server; empty = http://<httpListen>. */
  httpUrl: string | undefined;
  httpRoot: string | undefined;
  tftpRoot: string | undefined;
  ipxeDir: string;
  /** Interface dnsmasq serves; empty = [DEFAULT] local_interface. */
  interface: string | undefined;
  dhcpLeaseTime: string;
  deployKernel: string;
  deployRamdisk: string;
  /** The image-store ramdisk image published as deploy_kernel/deploy_ramdisk (as TripleO's image upload). */
  deployImage: string;
  kernelAppend: string;
}

export const pxeSection = defineSection<PxeConfig>({
  name: 'pxe',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      dnsmasq: { type: 'boolean' },
      dnsmasq_binary: { type: 'string', minLength: 1 },
      http: { type: 'boolean' },
      http_listen: { type: 'string', pattern: '^[^:]*:[0-9]{1,5}$' },
      http_url: { type: 'string', pattern: '^https?://' },
      http_root: { type: 'string', minLength: 1 },
      tftp_root: { type: 'string', minLength: 1 },
      ipxe_dir: { type: 'string', minLength: 1 },
      interface: { type: 'string', minLength: 1 },
      dhcp_lease_time: { type: 'string', pattern: '^[0-9]+[smhd]?$|^infinite$' },
      deploy_kernel: { type: 'string', minLength: 1 },
      deploy_ramdisk: { type: 'string', minLength: 1 },
      deploy_image: { type: 'string', minLength: 1 },
      kernel_append: { type: 'string' },
    },
  },
  compile: (raw, resolvePath) => ({
    dnsmasq: raw.dnsmasq === true,
    dnsmasqBinary: str(raw.dnsmasq_binary) ?? 'dnsmasq',
    http: raw.http === true,
    httpListen: str(raw.http_listen),
    httpUrl: str(raw.http_url),
    httpRoot: str(raw.http_root) === undefined ? undefined : resolvePath(str(raw.http_root)!),
    tftpRoot: str(raw.tftp_root) === undefined ? undefined : resolvePath(str(raw.tftp_root)!),
    ipxeDir: str(raw.ipxe_dir) ?? '/usr/lib/ipxe',
    interface: str(raw.interface),
    dhcpLeaseTime: str(raw.dhcp_lease_time) ?? '1h',
    deployKernel: str(raw.deploy_kernel) ?? 'agent.kernel',
    deployRamdisk: str(raw.deploy_ramdisk) ?? 'agent.ramdisk',
    deployImage: str(raw.deploy_image) ?? 'deploy-ramdisk',
    kernelAppend: str(raw.kernel_append) ?? 'console=ttyS0',
  }),
});

function str(v: unknown): string | undefined {
  return v === undefined || v === '' ? undefined : String(v);
}
