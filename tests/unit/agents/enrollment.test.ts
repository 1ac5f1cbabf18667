import { webcrypto, X509Certificate } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Store } from '../../../undercloud/store/store.js';
import { AgentsRepo } from '../../../undercloud/store/agents.js';
import { createCa } from '../../../undercloud/pki/pki.js';
import { Enrollment, hashToken, newToken, normalizeSerial } from '../../../undercloud/agents/enrollment.js';
import { AgentAuthError } from '../../../undercloud/agents/errors.js';

const pub = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

async function setup() {
  const store = Store.open(':memory:');
  const repo = new AgentsRepo(store);
  const ca = await createCa('test CA');
  return { store, repo, ca, e: new Enrollment(repo, ca, 7, 60) };
}

const reason = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AgentAuthError);
    return (err as AgentAuthError).reason;
  }
  throw new Error('expected a refusal');
};

describe('Enrollment', () => {
  it('stores only the hash of a token and signs a CA certificate with the node id as CN', async () => {
    const { store, repo, ca, e } = await setup();
    const { token } = e.issueToken('node-1');
    const rows = store.sql.prepare('SELECT * FROM agent_tokens').all() as Record<string, string>[];
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]!.token_hash).toBe(hashToken(token));
    const c = await e.enroll('node-1', token, pub());
    const x = new X509Certificate(c.certificatePem);
    expect(x.subject).toBe('CN=node-1');
    expect(x.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(repo.get('node-1')?.certSerial).toBe(normalizeSerial(x.serialNumber));
    expect(Date.parse(x.validTo) - Date.now()).toBeGreaterThan(6 * 86_400_000);
    void webcrypto;
  });

  it('refuses no token, an unknown one, another node\'s, a used one and an expired one, each with its reason', async () => {
    const { e, repo } = await setup();
    expect(await reason(e.enroll('node-1', '', pub()))).toBe('no_token');
    expect(await reason(e.enroll('node-1', 'nope', pub()))).toBe('unknown_token');
    const { token } = e.issueToken('node-1');
    expect(await reason(e.enroll('node-2', token, pub()))).toBe('other_node_token');
    await e.enroll('node-1', token, pub());
    expect(await reason(e.enroll('node-1', token, pub()))).toBe('used_token');
    repo.addToken('node-3', hashToken('old'), new Date(Date.now() - 1000));
    expect(await reason(e.enroll('node-3', 'old', pub()))).toBe('expired_token');
    const t4 = e.issueToken('node-4').token;
    expect(await reason(e.enroll('node-4', t4, 'not a key'))).toBe('bad_public_key');
  });

  it('a new token replaces the unused older one; re-enrolling revokes the previous certificate', async () => {
    const { e, repo } = await setup();
    const t1 = e.issueToken('node-1').token;
    const t2 = e.issueToken('node-1').token;
    expect(await reason(e.enroll('node-1', t1, pub()))).toBe('unknown_token');
    const first = await e.enroll('node-1', t2, pub());
    const second = await e.enroll('node-1', e.issueToken('node-1').token, pub());
    expect(repo.revokedSerials()).toContain(first.serial);
    expect(repo.get('node-1')?.certSerial).toBe(second.serial);
  });
});

describe('newToken', () => {
  it('is 32 random bytes in base64url that never starts with "-" (the agent would read it as an option)', () => {
    const tokens = Array.from({ length: 3000 }, () => newToken());
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
