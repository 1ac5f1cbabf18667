/**
 * templates/network/vlan-config.sh (the NetworkDeployment of a server on isolated networks), run as a
 * node's agent runs it, with ip(8) and networkctl answered by stand-ins (tests/fakes/bin/fake-ip): the
 * test machines' kernel has no 802.1Q, so the real interfaces are checked on the lab's nodes (tests/e2e,
 * where a controller reaches a compute over VLAN 20). Here: the files networkd reads at boot, the calls
 * that make the running interfaces, nothing done twice, old interfaces removed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SCRIPT = path.join(ROOT, 'templates', 'network', 'vlan-config.sh');

let dir = '';
function setup(): { conf: string; state: string } {
  dir = mkdtempSync(path.join(tmpdir(), 'uc-vlan-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(path.join(ROOT, 'tests', 'fakes', 'bin', 'fake-ip'), path.join(bin, 'ip'));
  writeFileSync(path.join(bin, 'networkctl'), '#!/bin/sh\n[ "$1" = status ] && [ "$2" = eth0 ] && echo "       Network File: /etc/systemd/network/10-network0.network"\nexit 0\n');
  chmodSync(path.join(bin, 'networkctl'), 0o755);
  return { conf: path.join(dir, 'network'), state: path.join(dir, 'ip') };
}
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function apply(lines: string[], ctlplane = '192.0.2.11'): { code: number | null; out: string; calls: string[] } {
  const state = path.join(dir, 'ip');
  mkdirSync(path.join(dir, 'network'), { recursive: true });
  const before = existsSync(path.join(state, 'calls')) ? readFileSync(path.join(state, 'calls'), 'utf8').split('\n').length - 1 : 0;
  const r = spawnSync('bash', [SCRIPT], {
    encoding: 'utf8',
    env: {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, CTLPLANE_IP: ctlplane, VLAN_INTERFACES: lines.join('\n'), NETWORK_CONFIG_DIR: path.join(dir, 'network'), OC_STATE: path.join(dir, 'oc'),
      FAKE_IP_STATE: state, FAKE_IP_PARENT: 'eth0', FAKE_IP_CTLPLANE: '192.0.2.11',
    },
  });
  const calls = readFileSync(path.join(state, 'calls'), 'utf8').split('\n').filter(Boolean).slice(before);
  return { code: r.status, out: `${r.stdout}${r.stderr}`, calls };
}
const changes = (calls: string[]) => calls.filter((c) => / (add|del|flush) /.test(c) || c.startsWith('ip link set'));

describe('network/vlan-config.sh', () => {
  it('writes what networkd makes at boot and makes the interfaces now, on the NIC holding the ctlplane address', () => {
    const { conf } = setup();
    const r = apply(['internal_api 20 172.16.2.4/24 1500', 'storage 30 172.16.1.4/24 1400']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('network-config: vlan20 (network internal_api, VLAN 20 on eth0): 172.16.2.4/24, MTU 1500');
    expect(changes(r.calls)).toEqual([
      'ip link add link eth0 name vlan20 type vlan id 20', 'ip link set vlan20 mtu 1500 up', 'ip -4 addr flush dev vlan20', 'ip addr add 172.16.2.4/24 dev vlan20',
      'ip link add link eth0 name vlan30 type vlan id 30', 'ip link set vlan30 mtu 1400 up', 'ip -4 addr flush dev vlan30', 'ip addr add 172.16.1.4/24 dev vlan30',
    ]);
    expect(readdirSync(conf).sort()).toEqual(['09-overcloud-internal_api.netdev', '09-overcloud-internal_api.network', '09-overcloud-storage.netdev', '09-overcloud-storage.network', '10-network0.network.d']);
    expect(readFileSync(path.join(conf, '09-overcloud-storage.netdev'), 'utf8')).toContain('[NetDev]\nName=vlan30\nKind=vlan\nMTUBytes=1400\n\n[VLAN]\nId=30\n');
    const net = readFileSync(path.join(conf, '09-overcloud-internal_api.network'), 'utf8');
    expect(net).toContain('[Match]\nName=vlan20\n');
    expect(net).toContain('[Network]\nAddress=172.16.2.4/24\n');
    expect(readFileSync(path.join(conf, '10-network0.network.d', '09-overcloud-vlans.conf'), 'utf8')).toContain('[Network]\nVLAN=vlan20\nVLAN=vlan30\n');
    // Where the deploy steps' service_ip looks a network's address up (common/lib.sh).
    expect(readFileSync(path.join(dir, 'oc', 'network-addresses'), 'utf8')).toBe('ctlplane 192.0.2.11\ninternal_api 172.16.2.4\nstorage 172.16.1.4\n');
  });

  it('applied again changes nothing; a moved VLAN or a dropped network takes the old interface and files away', () => {
    const { conf } = setup();
    apply(['internal_api 20 172.16.2.4/24 1500', 'storage 30 172.16.1.4/24 1400']);
    const again = apply(['internal_api 20 172.16.2.4/24 1500', 'storage 30 172.16.1.4/24 1400']);
    expect(again.code, again.out).toBe(0);
    expect(changes(again.calls)).toEqual(['ip link set vlan20 mtu 1500 up', 'ip link set vlan30 mtu 1400 up']);

    const moved = apply(['internal_api 21 172.16.2.9/24 1500']);
    expect(moved.code, moved.out).toBe(0);
    expect(changes(moved.calls)).toEqual([
      'ip link del vlan20', 'ip link del vlan30',
      'ip link add link eth0 name vlan21 type vlan id 21', 'ip link set vlan21 mtu 1500 up', 'ip -4 addr flush dev vlan21', 'ip addr add 172.16.2.9/24 dev vlan21',
    ]);
    expect(moved.out).toContain('network-config: removed vlan30 (network storage)');
    expect(readFileSync(path.join(dir, 'oc', 'network-addresses'), 'utf8')).toBe('ctlplane 192.0.2.11\ninternal_api 172.16.2.9\n');
    expect(readdirSync(conf).sort()).toEqual(['09-overcloud-internal_api.netdev', '09-overcloud-internal_api.network', '10-network0.network.d']);
    expect(readFileSync(path.join(conf, '10-network0.network.d', '09-overcloud-vlans.conf'), 'utf8')).toContain('[Network]\nVLAN=vlan21\n');

    const none = apply([]);
    expect(none.code, none.out).toBe(0);
    expect(changes(none.calls)).toEqual(['ip link del vlan21']);
    expect(readdirSync(conf)).toEqual(['10-network0.network.d']);
    expect(readdirSync(path.join(conf, '10-network0.network.d'))).toEqual([]);
  });

  it('a deploy without isolated networks after one with them: step 0\'s remove_isolated_networks (common/lib.sh) takes all of it away', () => {
    const { conf, state } = setup();
    apply(['internal_api 20 172.16.2.4/24 1500', 'storage 30 172.16.1.4/24 1400']);
    const lib = path.join(ROOT, 'templates', 'common', 'lib.sh');
    const remove = () => spawnSync('bash', ['-c', `source ${lib}\nremove_isolated_networks`], {
      encoding: 'utf8',
      env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, NETWORK_CONFIG_DIR: conf, OC_STATE: path.join(dir, 'oc'), FAKE_IP_STATE: state, DEPLOY_ROLE: 'Compute', DEPLOY_STEP: '0' },
    });
    const r = remove();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('removed vlan20 (09-overcloud-internal_api.netdev): this deploy has no isolated networks');
    expect(readFileSync(path.join(state, 'calls'), 'utf8')).toContain('ip link del vlan20\nip link show vlan30\nip link del vlan30\n');
    expect(readdirSync(conf)).toEqual(['10-network0.network.d']);
    expect(readdirSync(path.join(conf, '10-network0.network.d'))).toEqual([]);
    expect(existsSync(path.join(dir, 'oc', 'network-addresses'))).toBe(false);
    // On a node that never had any (every later deploy without -n): nothing.
    const again = remove();
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe('');
  });

  it('fails, saying why, when no interface holds the ctlplane address or networkd does not manage it', () => {
    setup();
    const lost = apply(['internal_api 20 172.16.2.4/24 1500'], '192.0.2.99');
    expect(lost.code).toBe(1);
    expect(lost.out).toContain('network-config: no interface holds the ctlplane address 192.0.2.99');
    writeFileSync(path.join(dir, 'bin', 'networkctl'), '#!/bin/sh\necho "       Network File: n/a"\n');
    const unmanaged = apply(['internal_api 20 172.16.2.4/24 1500']);
    expect(unmanaged.code).toBe(1);
    expect(unmanaged.out).toContain('network-config: eth0 (holding 192.0.2.11) is not managed by systemd-networkd');
    expect(changes(unmanaged.calls)).toEqual([]);
  });
});
