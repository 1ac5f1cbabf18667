import { describe, expect, it } from 'vitest';
import { NbdUriError } from '../../../undercloud/nbd/errors.js';
import { formatNbdAddress, parseNbdUri } from '../../../undercloud/nbd/uri.js';

describe('parseNbdUri', () => {
  it.each([
    ['nbd://example.com/disk', { transport: { kind: 'tcp', host: 'example.com', port: 10809 }, exportName: 'disk', tls: 'off' }],
    ['nbd://example.com', { transport: { kind: 'tcp', host: 'example.com', port: 10809 }, exportName: '', tls: 'off' }],
    ['nbd://example.com//disk', { exportName: '/disk' }],
    ['nbd://example.com/hello%20world', { exportName: 'hello world' }],
    ['nbds://10.0.0.5:10810/x', { transport: { kind: 'tcp', host: '10.0.0.5', port: 10810 }, tls: 'require' }],
    ['nbd://[::1]:4000/', { transport: { kind: 'tcp', host: '::1', port: 4000 } }],
    ['nbd+unix:///disk?socket=/run/nbd.sock', { transport: { kind: 'unix', path: '/run/nbd.sock' }, exportName: 'disk', tls: 'off' }],
    ['nbds+unix:///?socket=/s&tls-hostname=node1&tls-verify-peer=0', { transport: { kind: 'unix', path: '/s' }, tls: 'require', tlsHostname: 'node1', tlsVerifyPeer: false }],
    ['nbds://h/e?tls-certificates=/etc/pki/nbd', { tlsCertificates: '/etc/pki/nbd', tlsVerifyPeer: true }],
  ])('%s', (uri, expected) => {
    expect(parseNbdUri(uri)).toMatchObject(expected);
  });

  it.each([
    ['http://example.com/disk', /unsupported scheme/],
    ['nbd+unix:///disk', /socket=PATH/],
    ['nbd+unix://host/disk?socket=/s', /no host/],
    ['nbd://h/disk?socket=/s', /only for nbd\+unix/],
    ['nbd://h/disk?color=red', /unknown query parameter color/],
    ['nbds://h/disk?tls-type=psk', /only x509/],
    ['nbds://h/disk?tls-verify-peer=yes', /0 or 1/],
    ['not a uri', /not a URI/],
  ])('rejects %s', (uri, msg) => {
    expect(() => parseNbdUri(uri)).toThrow(NbdUriError);
    expect(() => parseNbdUri(uri)).toThrow(msg);
  });

  it('ignores experimental x- parameters and formats addresses back', () => {
    expect(formatNbdAddress(parseNbdUri('nbd://h/a%20b?x-foo=1'))).toBe('nbd://h:10809/a%20b');
    expect(formatNbdAddress(parseNbdUri('nbds+unix:///d?socket=/s'))).toBe('nbds+unix:///d?socket=/s');
    expect(parseNbdUri('nbd://h/').transport).toEqual({ kind: 'tcp', host: 'h', port: 10809 });
  });
});
