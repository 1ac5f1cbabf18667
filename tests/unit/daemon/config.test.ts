import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../undercloud/daemon/config.js';
import { ConfigError } from '../../../undercloud/errors.js';

const FILE = '/etc/undercloud/undercloud.conf';

function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('undercloud.conf', () => {
  it('fills TripleO defaults for an empty file', () => {
    const c = parseConfig('', FILE);
    expect(c.localIp).toBe('192.168.24.1/24');
    expect(c.localSubnet).toBe('ctlplane-subnet');
    expect(c.subnets[0]).toMatchObject({ name: 'ctlplane-subnet', cidr: '192.168.24.0/24', dhcpStart: '192.168.24.5', dhcpEnd: '192.168.24.24', gateway: '192.168.24.1' });
    expect(c.socketPath).toBe('/run/undercloud/undercloud.sock');
    expect(c.storePath).toBe('/var/lib/undercloud/undercloud.sqlite');
    expect(c.debug).toBe(false);
  });

  it('reads TripleO keys, coerces booleans and resolves relative paths against the config folder', () => {
    const c = parseConfig(`[DEFAULT]\nlocal_ip = 10.0.0.1/16\nundercloud_debug = true\nstate_dir = ./state\nclean_nodes = false\n[ctlplane-subnet]\ndhcp_start = 10.0.0.10\n`, '/srv/uc/undercloud.conf');
    expect(c.localIp).toBe('10.0.0.1/16');
    expect(c.debug).toBe(true);
    expect(c.stateDir).toBe('/srv/uc/state');
    expect(c.storePath).toBe('/srv/uc/state/undercloud.sqlite');
    expect(c.subnets[0]!.dhcpStart).toBe('10.0.0.10');
  });

  it('names the file, the key and the line of an unknown key', () => {
    const e = errorOf('[DEFAULT]\nlocal_ip = 192.168.24.1/24\nlocal_ipp = 1.2.3.4\n');
    expect(e.message).toBe(`${FILE}:3: local_ipp: unknown key (see docs/configuration.md for the keys undercloud.conf takes)`);
    expect(e.key).toBe('local_ipp');
    expect(e.line).toBe(3);
    expect(e.code).toBe('CONFIG_INVALID');
  });

  it('names the key of a value of the wrong format', () => {
    const e = errorOf('[DEFAULT]\n\nlocal_ip = 192.168.24.1\n');
    expect(e.message).toMatch(new RegExp(`^${FILE}:3: local_ip: must be an IPv4 address with a prefix`));
  });

  it('names a bad boolean', () => {
    expect(errorOf('undercloud_debug = perhaps\n').message).toBe(`${FILE}:1: undercloud_debug: must be boolean (true or false)`);
  });

  it('names keys inside subnet sections with their section', () => {
    const e = errorOf('[ctlplane-subnet]\ndhcp_start = 10.0.0\n');
    expect(e.message).toMatch(new RegExp(`^${FILE}:2: \\[ctlplane-subnet\\] dhcp_start: must be a valid ipv4`));
  });

  it('refuses unknown sections and says which are known', () => {
    const e = errorOf('[DEFAULT]\n[ctlplane_subnet]\ncidr = 192.168.24.0/24\n');
    expect(e.message).toMatch(new RegExp(`^${FILE}:2: \\[ctlplane_subnet\\]: unknown section`));
  });

  it('refuses a local_subnet that is not among the subnets', () => {
    expect(errorOf('subnets = a,b\nlocal_subnet = c\n').message).toBe(`${FILE}:2: local_subnet: "c" is not listed in subnets (a, b)`);
  });

  it('refuses malformed lines and duplicated keys with their line', () => {
    expect(errorOf('[DEFAULT]\nthis is not ini\n').message).toBe(`${FILE}:2: expected "key = value", got "this is not ini"`);
    expect(errorOf('local_ip = 1.1.1.1/8\nlocal_ip = 1.1.1.2/8\n').message).toBe(`${FILE}:2: local_ip: set twice in [DEFAULT] (first on line 1)`);
  });

  it('strips quotes and ignores comments', () => {
    const c = parseConfig('# comment\n; other\nlocal_interface = "eth1"\n', FILE);
    expect(c.localInterface).toBe('eth1');
  });
});

describe('address formats', () => {
  it('refuses octets over 255 and prefixes over 32', () => {
    expect(() => parseConfig('local_ip = 192.168.24.300/24\n', FILE)).toThrow(/local_ip: must be an IPv4 address with a prefix/);
    expect(() => parseConfig('local_ip = 192.168.24.1/33\n', FILE)).toThrow(/local_ip/);
    expect(parseConfig('local_ip = 10.255.0.1/8\n', FILE).localIp).toBe('10.255.0.1/8');
  });
});
