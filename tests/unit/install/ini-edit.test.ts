import { describe, expect, it } from 'vitest';
import { setIniValues } from '../../../undercloud/install/ini-edit.js';
import { renderNewConfig } from '../../../undercloud/install/install.js';
import { parseConfig } from '../../../undercloud/daemon/config.js';

describe('install config editing', () => {
  const text = '# mine\n[DEFAULT]\nlocal_ip = 192.168.24.1/24 \n# keep me\n\n[ctlplane-subnet]\ncidr = 192.168.24.0/24\n';

  it('changes nothing when the values are already set', () => {
    const r = setIniValues(text, 'DEFAULT', { local_ip: '192.168.24.1/24' });
    expect(r.changed).toEqual([]);
  });

  it('edits in place and keeps comments and other sections', () => {
    const r = setIniValues(text, 'DEFAULT', { local_ip: '10.0.0.1/24', local_interface: 'eth1' });
    expect(r.changed).toEqual(['local_ip', 'local_interface']);
    expect(r.text).toBe('# mine\n[DEFAULT]\nlocal_ip = 10.0.0.1/24\n# keep me\n\nlocal_interface = eth1\n[ctlplane-subnet]\ncidr = 192.168.24.0/24\n');
  });

  it('adds a missing section at the end', () => {
    const r = setIniValues('[DEFAULT]\n', 'sub', { cidr: '1.0.0.0/8' });
    expect(r.text).toBe('[DEFAULT]\n\n[sub]\ncidr = 1.0.0.0/8\n');
  });

  it('renders a new config that validates, with flags applied and local paths beside a non-system config', () => {
    const t = renderNewConfig('/srv/u/undercloud.conf', { local_ip: '10.1.0.1/24' }, { dhcp_end: '10.1.0.50' });
    const c = parseConfig(t, '/srv/u/undercloud.conf');
    expect(c.localIp).toBe('10.1.0.1/24');
    expect(c.subnets[0]).toMatchObject({ cidr: '10.1.0.0/24', dhcpStart: '10.1.0.5', dhcpEnd: '10.1.0.50', gateway: '10.1.0.1' });
    expect(c.stateDir).toBe('/srv/u/state');
    expect(c.socketPath).toBe('/srv/u/run/undercloud.sock');
  });
});
