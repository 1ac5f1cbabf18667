import { describe, expect, it } from 'vitest';
import { labDomainXml, labMac } from '../../../undercloud/lab/domain-xml.js';
import { labUndercloudConf } from '../../../undercloud/lab/lab.js';

describe('lab domains', () => {
  it('are TCG guests that boot from the network, then the disk, with ACPI, RNG and a serial log', () => {
    const x = labDomainXml({ name: 'lab-node-0', mac: '52:54:00:01:00:00', memoryMiB: 1536, vcpus: 1, disk: '/l/d.img', bridge: 'br-ctlplane', consoleLog: '/l/c.log' });
    expect(x).toContain("<domain type='qemu'>");
    expect(x.indexOf("<boot dev='network'/>")).toBeLessThan(x.indexOf("<boot dev='hd'/>"));
    expect(x).toContain('<features><acpi/><apic/></features>');
    expect(x).toContain("<source bridge='br-ctlplane'/>");
    expect(x).toContain("<source path='/l/c.log' append='on'/>");
    expect(x).toContain("<rng model='virtio'>");
  });
  it('has stable MACs per lab and index', () => {
    expect(labMac(0x84, 0)).toBe('52:54:00:84:00:00');
    expect(labMac(0x84, 258)).toBe('52:54:00:84:01:02');
  });
  it('gives the undercloud settings that run its provisioning side in the namespace', () => {
    const c = labUndercloudConf({ netns: 'ucl-lab', bridge: 'br-ctlplane', localIp: '192.168.24.1', localCidr: '192.168.24.1/24' });
    expect(c).toContain('network_namespace = ucl-lab');
    expect(c).toContain('agent_listen = 192.168.24.1:8444');
    expect(c).toMatch(/\[pxe\]\ndnsmasq = true\nhttp = true\nhttp_listen = 192.168.24.1:8088/);
  });
});
