import { describe, expect, it } from 'vitest';
import { parseInstackenv, type ParseContext } from '../../../../undercloud/baremetal/import/instackenv.js';
import { InstackenvError } from '../../../../undercloud/baremetal/errors.js';

const ctx: ParseContext = { enabledHardwareTypes: ['ipmi', 'redfish', 'libvirt', 'fake'], existingNames: new Set(['old-0']), existingMacs: new Map([['52:54:00:00:00:99', 'old-0']]) };

function problems(doc: unknown, c = ctx): string[] {
  try {
    parseInstackenv(doc, c);
  } catch (err) {
    expect(err).toBeInstanceOf(InstackenvError);
    return [...(err as InstackenvError).problems];
  }
  throw new Error('expected InstackenvError');
}

describe('instackenv.json', () => {
  it('maps TripleO fields to driver info, ports and properties', () => {
    const [ipmi, redfish, lv] = parseInstackenv({
      nodes: [
        { name: 'ctl-0', pm_type: 'ipmi', pm_addr: '10.0.0.5', pm_port: '6230', pm_user: 'admin', pm_password: 'pw', ports: [{ address: '52:54:00:AA:00:01' }], cpu: '2', memory: 4096, disk: '40', arch: 'x86_64', capabilities: 'profile:control,boot_option:local' },
        { name: 'cmp-0', pm_type: 'redfish', pm_addr: '10.0.0.6:8000', pm_user: 'u', pm_password: 'p', pm_system_id: '/redfish/v1/Systems/abc', mac: ['52-54-00-aa-00-02'] },
        { name: 'lv-0', pm_type: 'libvirt', pm_addr: 'qemu:///system', mac: ['52:54:00:aa:00:03'], deploy_interface: 'fake' },
      ],
    }, ctx);
    expect(ipmi).toMatchObject({
      name: 'ctl-0', driver: 'ipmi', macs: ['52:54:00:aa:00:01'],
      driverInfo: { ipmi_address: '10.0.0.5', ipmi_port: '6230', ipmi_username: 'admin', ipmi_password: 'pw' },
      interfaces: { power: 'ipmitool', management: 'ipmitool', boot: 'ipxe', deploy: 'direct', inspect: 'agent' },
      properties: { cpus: 2, memoryMb: 4096, localGb: 40, cpuArch: 'x86_64', capabilities: { profile: 'control', boot_option: 'local' } },
    });
    expect(redfish!.driverInfo).toEqual({ redfish_address: 'https://10.0.0.6:8000', redfish_system_id: '/redfish/v1/Systems/abc', redfish_username: 'u', redfish_password: 'p' });
    expect(redfish!.macs).toEqual(['52:54:00:aa:00:02']);
    expect(lv).toMatchObject({ driver: 'libvirt', driverInfo: { libvirt_uri: 'qemu:///system', libvirt_domain: 'lv-0' }, interfaces: { deploy: 'fake', power: 'libvirt' } });
  });

  it('names the node (name or index) and the field in every error, and reports all of them', () => {
    const p = problems({
      nodes: [
        { name: 'a', pm_type: 'ipmi', mac: ['52:54:00:00:00:01'], cpu: 'two' },
        { pm_type: 'ipmi', pm_addr: 'x', mac: ['zz'] },
        { name: 'c', pm_addr: 'x', mac: ['52:54:00:00:00:03'] },
        { name: 'd', pm_type: 'ipmi', pm_addr: 'x', mac: ['52:54:00:00:00:04'], pm_passwort: 'typo' },
      ],
    });
    expect(p).toContain('node 0 (a): cpu: must be integer');
    expect(p).toContain('node 2 (c): pm_type: is required');
    expect(p).toContain('node 3 (d): pm_passwort: is not a known instackenv field');
    expect(p.length).toBeGreaterThanOrEqual(3);
  });

  it('checks meaning after structure: pm_addr, MACs, duplicates, capabilities, unknown types', () => {
    const p = problems({
      nodes: [
        { name: 'a', pm_type: 'ipmi', mac: ['52:54:00:00:00:01'] },
        { name: 'a', pm_type: 'fake', mac: ['52:54:00:00:00:01'] },
        { name: 'old-0', pm_type: 'fake', mac: ['52:54:00:00:00:99'] },
        { pm_type: 'fake', mac: ['nope'], capabilities: 'profile' },
        { name: 'e', pm_type: 'ilo', mac: ['52:54:00:00:00:05'] },
        { name: 'f', pm_type: 'fake', ports: [] },
      ],
    });
    expect(p).toEqual([
      'node 0 (a): pm_addr: is required for pm_type ipmi (the BMC address)',
      'node 1 (a): name: "a" is used by node 0 too',
      'node 1 (a): mac: 52:54:00:00:00:01 is also listed by node 0 (a)',
      'node 2 (old-0): name: a node named "old-0" is already enrolled',
      'node 2 (old-0): mac: 52:54:00:00:00:99 belongs to enrolled node old-0',
      'node 3: mac: "nope" is not a MAC address',
      'node 3: capabilities: "profile" is not key:value (expected "profile:compute,boot_option:local")',
      'node 4 (e): pm_type: unknown "ilo" (ipmi, redfish, libvirt, fake)',
      'node 5 (f): ports: at least one port (MAC address) is required: the node must be known to DHCP to netboot',
    ]);
  });

  it('refuses hardware types that are not enabled and interfaces the type does not support', () => {
    const p = problems({ nodes: [{ name: 'a', pm_type: 'redfish', pm_addr: 'h', mac: ['52:54:00:00:00:01'] }, { name: 'b', pm_type: 'ipmi', pm_addr: 'h', mac: ['52:54:00:00:00:02'], power_interface: 'fake' }] }, { ...ctx, enabledHardwareTypes: ['ipmi'] });
    expect(p[0]).toMatch(/^node 0 \(a\): pm_type: hardware type "redfish" is not enabled/);
    expect(p[1]).toMatch(/^node 1 \(b\): pm_type: power_interface "fake" is not supported by hardware type ipmi/);
  });

  it('requires the nodes list', () => {
    expect(problems({})).toEqual(['(top level): "nodes" is required']);
  });
});
