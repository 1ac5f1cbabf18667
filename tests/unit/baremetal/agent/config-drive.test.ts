import { describe, expect, it } from 'vitest';
import { configDriveFiles, publicKeysOf } from '../../../../undercloud/baremetal/agent/config-drive.js';
import type { Node } from '../../../../undercloud/baremetal/node.js';

describe('config drive content', () => {
  it('has the node identity, hostname, keys, DHCP per NIC and the node agent\'s credentials', () => {
    const files = configDriveFiles({ node: { id: 'uuid-1' } as Node, hostname: 'compute-0', publicKeys: { key0: 'ssh-ed25519 AAAA x' }, macs: ['52:54:00:00:00:01'], agentEndpoint: '192.168.24.1:8444', agentToken: 'tok', caPem: 'PEM' });
    const meta = JSON.parse(files['openstack/latest/meta_data.json']!);
    expect(meta).toEqual({ uuid: 'uuid-1', name: 'compute-0', hostname: 'compute-0', public_keys: { key0: 'ssh-ed25519 AAAA x' }, meta: { undercloud_agent_endpoint: '192.168.24.1:8444', undercloud_agent_token: 'tok', undercloud_ca_pem: 'PEM' } });
    const net = JSON.parse(files['openstack/latest/network_data.json']!);
    expect(net.links).toEqual([{ id: 'nic0', type: 'phy', ethernet_mac_address: '52:54:00:00:00:01' }]);
    expect(net.networks).toEqual([{ id: 'network0', link: 'nic0', type: 'ipv4_dhcp' }]);
  });
  it('takes ssh keys as a list or a map', () => {
    expect(publicKeysOf({ ssh_keys: ['a', 'b'] })).toEqual({ key0: 'a', key1: 'b' });
    expect(publicKeysOf({ ssh_keys: { mine: 'a' } })).toEqual({ mine: 'a' });
    expect(publicKeysOf({})).toEqual({});
  });
});
