/**
 * The undercloud's certificate authority: one CA per undercloud, created by `undercloud install`, that
 * signs the daemon's server certificates (operator API over TLS, agent endpoint), operator client
 * certificates, and later each node agent's client certificate (agents exchange a one-time token for one).
 * Keys are ECDSA P-256 (fast to generate, which matters when a thousand agents enroll at once).
 * Built on @peculiar/x509 over Node's WebCrypto, so no openssl process is needed at run time.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isIP } from 'node:net';

type CryptoKey = webcrypto.CryptoKey;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends PemPair {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

export interface IssueOptions {
  commonName: string;
  /** DNS names and IP addresses for a server certificate. */
  altNames?: string[];
  usage: 'server' | 'client' | 'both';
  days?: number;
  /** Sign this public key (from a CSR) instead of generating a new key pair. */
  publicKey?: CryptoKey;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive
  return b.toString('hex');
}

async function keyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END PRIVATE KEY-----\n`;
}

async function pemToKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), ALG, true, ['sign']);
}

export async function createCa(commonName = 'undercloud CA', days = 3650): Promise<CertificateAuthority> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, key: keys.privateKey, certPem: cert.toString('pem') + '\n', keyPem: await keyToPem(keys.privateKey) };
}

export async function loadCa(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  return { cert: new x509.X509Certificate(certPem), key: await pemToKey(keyPem), certPem, keyPem };
}

/** Issues a certificate signed by `ca`. Returns the key too unless a public key was given. */
export async function issueCertificate(ca: CertificateAuthority, opts: IssueOptions): Promise<PemPair> {
  let publicKey = opts.publicKey;
  let keyPem = '';
  if (!publicKey) {
    const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
    publicKey = keys.publicKey;
    keyPem = await keyToPem(keys.privateKey);
  }
  const now = Date.now();
  const usages: string[] = [];
  if (opts.usage !== 'client') usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (opts.usage !== 'server') usages.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
  ];
  const alt = opts.altNames ?? [];
  if (alt.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(alt.map((n) => ({ type: isIP(n) ? 'ip' : 'dns', value: n }) as x509.JsonGeneralName)));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${opts.commonName}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (opts.days ?? 825) * DAY_MS),
    publicKey,
    signingKey: ca.key,
    signingAlgorithm: ALG,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem };
}

/** Signs a PEM certificate signing request (an agent's), taking only its public key from it. */
export async function signCsr(ca: CertificateAuthority, csrPem: string, commonName: string, days: number): Promise<string> {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new Error('certificate signing request has a bad signature');
  const publicKey = await csr.publicKey.export(ALG, ['verify']);
  return (await issueCertificate(ca, { commonName, usage: 'client', days, publicKey })).certPem;
}

/** Creates a key pair and a CSR for `commonName` (what an agent does before it enrolls). */
export async function createCsr(commonName: string): Promise<{ csrPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${commonName}`, keys, signingAlgorithm: ALG });
  return { csrPem: csr.toString('pem') + '\n', keyPem: await keyToPem(keys.privateKey) };
}

export function commonNameOf(certPem: string): string | undefined {
  const subject = new X509Certificate(certPem).subject;
  return /(?:^|\n)CN=([^\n]+)/.exec(subject)?.[1];
}

/** Files of the undercloud PKI under `dir` (mode 0600 for keys). */
export const pkiFiles = (dir: string) => ({
  caCert: path.join(dir, 'ca.crt'),
  caKey: path.join(dir, 'ca.key'),
  serverCert: path.join(dir, 'undercloud.crt'),
  serverKey: path.join(dir, 'undercloud.key'),
  operatorCert: path.join(dir, 'operator.crt'),
  operatorKey: path.join(dir, 'operator.key'),
});

export function writePem(file: string, pem: string, secret: boolean): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
  writeFileSync(file, pem, { mode: secret ? 0o600 : 0o644 });
  chmodSync(file, secret ? 0o600 : 0o644);
}

/** Creates the CA and the daemon's certificates under `dir` when missing; returns the files it created. */
export async function ensurePki(dir: string, serverNames: string[]): Promise<string[]> {
  const f = pkiFiles(dir);
  const created: string[] = [];
  let ca: CertificateAuthority;
  if (existsSync(f.caCert) && existsSync(f.caKey)) {
    ca = await loadCa(readFileSync(f.caCert, 'utf8'), readFileSync(f.caKey, 'utf8'));
  } else {
    ca = await createCa();
    writePem(f.caCert, ca.certPem, false);
    writePem(f.caKey, ca.keyPem, true);
    created.push(f.caCert, f.caKey);
  }
  if (!existsSync(f.serverCert) || !existsSync(f.serverKey)) {
    const s = await issueCertificate(ca, { commonName: 'undercloud', altNames: serverNames, usage: 'server' });
    writePem(f.serverCert, s.certPem, false);
    writePem(f.serverKey, s.keyPem, true);
    created.push(f.serverCert, f.serverKey);
  }
  if (!existsSync(f.operatorCert) || !existsSync(f.operatorKey)) {
    const o = await issueCertificate(ca, { commonName: 'operator', usage: 'client' });
    writePem(f.operatorCert, o.certPem, false);
    writePem(f.operatorKey, o.keyPem, true);
    created.push(f.operatorCert, f.operatorKey);
  }
  return created;
}
