/**
 * STARTTLS with X.509 against nbdkit --tls=require --tls-verify-peer, certificates from undercloud/pki:
 * the client verifies the server's chain and name and presents its own certificate.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNbdkit, startNbdkitTcp, type RunningServer } from '../../../bench/nbd/servers.js';
import { connectNbd } from '../../../undercloud/nbd/connect.js';
import { NbdTlsError } from '../../../undercloud/nbd/errors.js';
import { writeImage } from '../../../undercloud/nbd/writer.js';
import { createCa, issueCertificate, type PemPair } from '../../../undercloud/pki/pki.js';
import { MiB, makeRawImage } from './images.js';

let dir: string;
let server: RunningServer;
let ca: string;
let client: PemPair;
let otherCa: string;
let clientDir: string;
let tlsDir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbd-tls-'));
  const authority = await createCa('test NBD CA');
  const srv = await issueCertificate(authority, { commonName: 'nbd-server', altNames: ['localhost', '127.0.0.1'], usage: 'server' });
  client = await issueCertificate(authority, { commonName: 'undercloud', usage: 'client' });
  ca = authority.certPem;
  otherCa = (await createCa('someone else')).certPem;
  tlsDir = path.join(dir, 'server-pki');
  mkdirSync(tlsDir);
  writeFileSync(path.join(tlsDir, 'ca-cert.pem'), ca);
  writeFileSync(path.join(tlsDir, 'server-cert.pem'), srv.certPem);
  writeFileSync(path.join(tlsDir, 'server-key.pem'), srv.keyPem, { mode: 0o600 });
  clientDir = path.join(dir, 'client-pki');
  mkdirSync(clientDir);
  writeFileSync(path.join(clientDir, 'ca-cert.pem'), ca);
  writeFileSync(path.join(clientDir, 'client-cert.pem'), client.certPem);
  writeFileSync(path.join(clientDir, 'client-key.pem'), client.keyPem, { mode: 0o600 });
  server = await startNbdkit(dir, 'tls', ['memory', `${16 * MiB}`], ['--tls=require', `--tls-certificates=${tlsDir}`, '--tls-verify-peer']);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const tlsUri = () => server.uri.replace('nbd+unix:', 'nbds+unix:') + '&tls-hostname=localhost';

describe('NBD over TLS', () => {
  it('writes and verifies an image over nbds+unix with a client certificate', async () => {
    const raw = makeRawImage(path.join(dir, 'image.raw'));
    const r = await writeImage({ source: raw, target: tlsUri(), tls: { ca, cert: client.certPem, key: client.keyPem } });
    expect(r.verified).toBe(true);
    const s = await connectNbd(tlsUri(), { tls: { ca, cert: client.certPem, key: client.keyPem } });
    expect(s.info.tls).toBe(true);
    await s.disconnect();
  });

  it('nbds:// over loopback TCP checks the IP address against the certificate', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const tcp = await startNbdkitTcp(dir, 'tcp', port, ['memory', `${MiB}`], ['--tls=require', `--tls-certificates=${tlsDir}`]);
    try {
      const s = await connectNbd(`nbds://127.0.0.1:${port}/`, { tls: { ca, cert: client.certPem, key: client.keyPem } });
      expect(s.info).toMatchObject({ tls: true, size: MiB });
      await s.disconnect();
    } finally {
      await tcp.stop();
    }
  });

  it('takes certificates from tls-certificates=DIR in the URI (libnbd layout)', async () => {
    const s = await connectNbd(`${tlsUri()}&tls-certificates=${clientDir}`);
    expect(s.info.tls).toBe(true);
    await s.disconnect();
  });

  it('a plain connection to a TLS-only server fails with a TLS error that says so', async () => {
    const err = await connectNbd(server.uri).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NbdTlsError);
    expect((err as Error).message).toMatch(/requires TLS/);
  });

  it('refuses a server certificate from another CA', async () => {
    await expect(connectNbd(tlsUri(), { tls: { ca: otherCa, cert: client.certPem, key: client.keyPem }, timeoutMs: 5000 })).rejects.toBeInstanceOf(NbdTlsError);
  });

  it('refuses a server whose certificate does not carry the expected name', async () => {
    const uri = server.uri.replace('nbd+unix:', 'nbds+unix:') + '&tls-hostname=not-the-server';
    await expect(connectNbd(uri, { tls: { ca, cert: client.certPem, key: client.keyPem }, timeoutMs: 5000 })).rejects.toBeInstanceOf(NbdTlsError);
  });

  it('fails without a client certificate when the server requires one', async () => {
    const err = await connectNbd(tlsUri(), { tls: { ca }, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toMatch(/^NBD_(TLS|DISCONNECTED|PROTOCOL)$/);
  });

  it('an nbds URI without certificates is refused before connecting', async () => {
    await expect(connectNbd(tlsUri())).rejects.toThrow(/no certificates/);
  });

});
