/**
 * Agent authentication against the real daemon over TLS on loopback: a good token enrolls and connects;
 * no token, a wrong token, another node's token, an expired token, a reused token, a certificate from
 * another CA and a revoked certificate are each refused, logged with a reason, and the secret never
 * appears in the daemon's log.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../../undercloud/pki/pki.js';
import { readLog } from '../../helpers/daemon.js';
import { agentState, startAgent, startLab, unary, waitUntil, type AgentLab, waitConnected } from './harness.js';

let lab: AgentLab;
const secrets: string[] = [];

beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});

async function refused(o: Parameters<typeof startAgent>[1]): Promise<string> {
  const a = startAgent(lab, o);
  const code = await a.exited;
  expect(code, a.output()).toBe(3);
  return a.output();
}

describe('agent authentication', () => {
  it('enrolls with a good token, connects over mutual TLS and runs a step', async () => {
    const token = await lab.token('node-a');
    secrets.push(token);
    const a = startAgent(lab, { nodeId: 'node-a', token });
    try {
      await waitConnected(lab, { 'node-a': a });
      const r = await lab.run({ nodeId: 'node-a', kind: 'script', paramsJson: JSON.stringify({ script: '#!/bin/sh\necho hello from $(id -u)\n', always: true }) });
      expect(r.state).toBe('succeeded');
      expect(JSON.parse(r.outputsJson).deploy_stdout).toMatch(/^hello from \d+/);
      expect(readFileSync(path.join(a.stateDir, 'agent.key'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
    } finally {
      await a.kill();
    }
  });

  it('refuses an agent with no token and no certificate', async () => {
    const out = await refused({ nodeId: 'node-b' });
    expect(out).toMatch(/no enrollment token/);
  });

  it('refuses a wrong token', async () => {
    await lab.token('node-b');
    const out = await refused({ nodeId: 'node-b', token: 'not-the-token-0123456789abcdef' });
    expect(out).toMatch(/UNAUTHENTICATED|enrollment refused/);
    await waitUntil(() => /agent enrollment refused.*unknown_token/.test(readLog(lab.daemon)), 5000, 'the refusal in the log');
  });

  it("refuses another node's token: node A's credential never acts as node B", async () => {
    const tokenC = await lab.token('node-c');
    secrets.push(tokenC);
    await refused({ nodeId: 'node-d', token: tokenC });
    await waitUntil(() => /agent enrollment refused.*other_node_token/.test(readLog(lab.daemon)), 5000, 'other_node_token in the log');
    // The token was not spent by the impostor: node-c still enrolls with it.
    const c = startAgent(lab, { nodeId: 'node-c', token: tokenC });
    await waitConnected(lab, { 'node-c': c });
    await c.kill();
  });

  it('refuses an expired token', async () => {
    const t = await lab.token('node-e', 1);
    secrets.push(t);
    await new Promise((r) => setTimeout(r, 1200));
    await refused({ nodeId: 'node-e', token: t });
    await waitUntil(() => /agent enrollment refused.*expired_token/.test(readLog(lab.daemon)), 5000, 'expired_token in the log');
  });

  it('refuses a token used twice (one-time)', async () => {
    const t = await lab.token('node-f');
    secrets.push(t);
    const first = startAgent(lab, { nodeId: 'node-f', token: t });
    await waitConnected(lab, { 'node-f': first });
    await first.kill();
    await refused({ nodeId: 'node-f', token: t });
    await waitUntil(() => /agent enrollment refused.*used_token/.test(readLog(lab.daemon)), 5000, 'used_token in the log');
  });

  it('refuses a client certificate from another CA', async () => {
    const t = await lab.token('node-g');
    const a = startAgent(lab, { nodeId: 'node-g', token: t });
    await waitConnected(lab, { 'node-g': a });
    await a.kill();
    // Forge: same node id, a certificate signed by a CA the daemon does not trust.
    const { issueCertificate } = await import('../../../undercloud/pki/pki.js');
    const evil = await createCa('evil CA');
    const forged = await issueCertificate(evil, { commonName: 'node-g', usage: 'client' });
    writeFileSync(path.join(a.stateDir, 'agent.crt'), forged.certPem);
    writeFileSync(path.join(a.stateDir, 'agent.key'), forged.keyPem);
    const out = await refused({ nodeId: 'node-g', stateDir: a.stateDir });
    expect(out).toMatch(/session refused/);
    await waitUntil(() => /agent session refused.*no_certificate/.test(readLog(lab.daemon)), 5000, 'no_certificate in the log');
  });

  it('revokes: the connected agent is dropped and its certificate refused afterwards', async () => {
    const t = await lab.token('node-h');
    secrets.push(t);
    const a = startAgent(lab, { nodeId: 'node-h', token: t });
    await waitConnected(lab, { 'node-h': a });
    const r = (await unary(lab.client, 'revokeAgent', { nodeId: 'node-h', reason: 'rebuild' })) as { revokedCertificates: number };
    expect(r.revokedCertificates).toBe(1);
    expect(await a.exited, a.output()).toBe(3);
    await refused({ nodeId: 'node-h', stateDir: a.stateDir });
    await waitUntil(() => /agent session refused.*revoked/.test(readLog(lab.daemon)), 5000, 'revoked in the log');
    expect(await agentState(lab, 'node-h')).toBe('revoked');
  });

  it('never writes a token to the daemon log', () => {
    const log = readLog(lab.daemon) + lab.daemon.output();
    expect(secrets.length).toBeGreaterThan(3);
    for (const s of secrets) expect(log.includes(s)).toBe(false);
  });
});
