import { describe, expect, it } from 'vitest';
import { prefixToNetmask, renderDnsmasqConfig, renderHostsFile } from '../../../undercloud/pxe/dnsmasq-config.js';

describe('dnsmasq config', () => {
  const conf = renderDnsmasqConfig({
    interface: 'br-ctlplane', serverIp: '192.168.24.1', dhcpStart: '192.168.24.5', dhcpEnd: '192.168.24.24', netmask: '255.255.255.0', leaseTime: '1h',
    gateway: '192.168.24.1', nameservers: [], tftpRoot: '/t', hostsDir: '/h', leaseFile: '/l', pidFile: '/p', bootScriptUrl: 'http://192.168.24.1:8088/boot.ipxe',
  }).split('\n');

  it('answers only enrolled MACs', () => {
    expect(conf).toContain('dhcp-hostsdir=/h');
    expect(conf).toContain('dhcp-ignore=tag:!known');
    expect(conf).toContain('dhcp-range=192.168.24.5,192.168.24.24,255.255.255.0,1h');
    expect(conf).toContain('port=0'); // no DNS
  });

  it('hands out iPXE over TFTP by firmware type and chains iPXE to HTTP', () => {
    expect(conf).toContain('enable-tftp');
    expect(conf).toContain('tftp-root=/t');
    expect(conf).toContain('dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi,,192.168.24.1');
    expect(conf).toContain('dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe,,192.168.24.1');
    expect(conf).toContain('dhcp-boot=tag:ipxe,http://192.168.24.1:8088/boot.ipxe');
  });

  it('renders hosts files and netmasks', () => {
    expect(renderHostsFile('n0', ['52:54:00:00:00:01', '52:54:00:00:00:02'])).toBe('# node n0\n52:54:00:00:00:01,set:enrolled\n52:54:00:00:00:02,set:enrolled\n');
    expect(prefixToNetmask(24)).toBe('255.255.255.0');
    expect(prefixToNetmask(20)).toBe('255.255.240.0');
    expect(prefixToNetmask(32)).toBe('255.255.255.255');
  });
});
