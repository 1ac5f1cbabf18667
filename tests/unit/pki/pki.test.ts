import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { commonNameOf, createCa, createCsr, issueCertificate, signCsr } from '../../../undercloud/pki/pki.js';

describe('pki', () => {
  it('issues server certificates that verify against the CA and carry their SANs', async () => {
    const ca = await createCa('test CA');
    const s = await issueCertificate(ca, { commonName: 'undercloud', altNames: ['127.0.0.1', 'localhost'], usage: 'server' });
    const cert = new X509Certificate(s.certPem);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(s.keyPem).toMatch(/BEGIN PRIVATE KEY/);
  });

  it('signs a CSR with the name the CA chooses, not the one the requester asked for', async () => {
    const ca = await createCa();
    const csr = await createCsr('node-b');
    const certPem = await signCsr(ca, csr.csrPem, 'node-a', 1);
    expect(commonNameOf(certPem)).toBe('node-a');
    expect(new X509Certificate(certPem).checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it('refuses a CSR whose signature does not match', async () => {
    const ca = await createCa();
    const { csrPem } = await createCsr('x');
    const tampered = csrPem.replace(/[A-Za-z](?=[^\n]*\n-----END)/, (c) => (c === 'A' ? 'B' : 'A'));
    await expect(signCsr(ca, tampered, 'x', 1)).rejects.toThrow();
  });
});
