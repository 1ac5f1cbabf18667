/**
 * The agent's credential files in its state dir: its private key (never sent anywhere), the client
 * certificate the daemon signed, and the undercloud CA. A token the agent has not used before (a rebuilt
 * node gets a new one) triggers a new enrollment; otherwise the stored certificate is reused.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface AgentCredentials {
  keyPem: string;
  certPem: string;
}

const files = (dir: string) => ({
  key: path.join(dir, 'agent.key'),
  cert: path.join(dir, 'agent.crt'),
  usedToken: path.join(dir, 'enrolled-token.sha256'),
});

export function storedCredentials(stateDir: string, token: string | undefined): AgentCredentials | undefined {
  const f = files(stateDir);
  if (!existsSync(f.key) || !existsSync(f.cert)) return undefined;
  if (token && (!existsSync(f.usedToken) || readFileSync(f.usedToken, 'utf8').trim() !== sha256(token))) return undefined;
  return { keyPem: readFileSync(f.key, 'utf8'), certPem: readFileSync(f.cert, 'utf8') };
}

export function newKeyPair(): { keyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function saveCredentials(stateDir: string, c: AgentCredentials, token: string): void {
  const f = files(stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  atomicWrite(f.key, c.keyPem, 0o600);
  atomicWrite(f.cert, c.certPem, 0o644);
  atomicWrite(f.usedToken, sha256(token), 0o600);
}

function atomicWrite(file: string, text: string, mode: number): void {
  writeFileSync(`${file}.tmp`, text, { mode });
  chmodSync(`${file}.tmp`, mode);
  renameSync(`${file}.tmp`, file);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
