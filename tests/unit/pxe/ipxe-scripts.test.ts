import { describe, expect, it } from 'vitest';
import { chainScript, nodeScript } from '../../../undercloud/pxe/ipxe-scripts.js';
import { PROVISION_STATES, RAMDISK_STATES } from '../../../undercloud/baremetal/states.js';

const boot = { baseUrl: 'http://h:8088', kernel: 'agent.kernel', ramdisk: 'agent.ramdisk', kernelAppend: 'console=ttyS0', agentEndpoint: 'h:8444' };

describe('iPXE scripts', () => {
  it('chains to a per-MAC script', () => {
    expect(chainScript('http://h:8088')).toContain('chain http://h:8088/ipxe/${net0/mac:hexhyp}.ipxe');
  });

  it('boots the ramdisk only in working states with a prepared boot, with the node id, agent token and CA', () => {
    const s = nodeScript({ id: 'id-1', name: 'n0', provisionState: 'inspecting' }, '52:54:00:00:00:01', { ...boot, caUrl: 'http://h:8088/agent-ca.crt', caSha256: 'ab' }, 'tok123');
    expect(s).toContain('kernel http://h:8088/agent.kernel initrd=agent.ramdisk console=ttyS0 BOOTIF=52:54:00:00:00:01 undercloud.node=id-1 undercloud.server=h:8444 undercloud.token=tok123 undercloud.ca_url=http://h:8088/agent-ca.crt undercloud.ca_sha256=ab');
    expect(s).toContain('initrd http://h:8088/agent.ramdisk');
    const unprepared = nodeScript({ id: 'id-1', name: 'n0', provisionState: 'deploying' }, 'm', boot);
    expect(unprepared).toContain('no ramdisk boot is prepared');
    expect(unprepared).not.toContain('kernel ');
  });

  it('boots the local disk in every other state and for unknown MACs (no netboot loops)', () => {
    for (const st of PROVISION_STATES) {
      const s = nodeScript({ id: 'i', name: 'n', provisionState: st }, 'm', boot, 'tok');
      expect(s.includes('kernel '), st).toBe(RAMDISK_STATES.includes(st));
    }
    for (const st of ['available', 'active', 'manageable'] as const) {
      const s = nodeScript({ id: 'i', name: 'n', provisionState: st }, 'm', boot, 'tok');
      expect(s).toContain('sanboot --no-describe --drive 0x80 || exit');
    }
    expect(nodeScript(undefined, 'm', boot)).toContain('unknown MAC m');
  });
});
