/**
 * templates/common/lib.sh's ks_token_types (Keystone step 5's credentials check) against a stand-in
 * Keystone on loopback: the request `openstack token issue` sends (POST /v3/auth/tokens, password,
 * project scope) with the os_admin credentials, JSON-escaped, the catalog's service types printed; a
 * refusal fails it with the URL and the HTTP status. Needs python3 (the node's; Debian's python3 here).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LIB = path.resolve(import.meta.dirname, '../../../templates/common/lib.sh');

describe('templates/common/lib.sh ks_token_types', () => {
  it('ks_token_types asks Keystone for a project-scoped token with the admin credentials and prints the catalog types; a refusal fails it', async () => {
    // A stand-in Keystone on loopback: 201 with a token and a catalog for the right password, else 401.
    const seen: { url?: string; body: unknown }[] = [];
    const keystone = createServer((req: IncomingMessage, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => { raw += c.toString(); });
      req.on('end', () => {
        const body = JSON.parse(raw) as { auth: { identity: { password: { user: { password: string } } } } };
        seen.push({ url: req.url, body });
        if (body.auth.identity.password.user.password !== 'p"w\\x') {
          res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error": {"code": 401, "message": "The request you have made requires authentication."}}');
          return;
        }
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': 'gAAAA-token' })
          .end(JSON.stringify({ token: { catalog: [{ type: 'identity' }, { type: 'compute' }, { type: 'identity' }] } }));
      });
    });
    await new Promise<void>((resolve) => keystone.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(keystone.address() as AddressInfo).port}/`;
    // spawn, not spawnSync: the stand-in answers from this process's event loop.
    const tokenTypes = (password: string) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn('bash', ['-c', `source ${LIB}\nos_admin; OS_AUTH_URL=${url}\nks_token_types`], {
        env: { PATH: process.env.PATH, HOME: tmpdir(), ADMIN_PASSWORD: password, REGION: 'regionOne', CONTROLLER_IP: '192.0.2.5' },
      });
      let out = '';
      let err = '';
      p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
      p.on('close', (code) => resolve({ code, out, err }));
    });
    try {
      const ok = await tokenTypes('p"w\\x');
      expect(ok.err).toBe('');
      expect(ok).toMatchObject({ code: 0, out: 'compute identity\n' });
      expect(seen[0]).toEqual({
        url: '/v3/auth/tokens',
        body: { auth: {
          identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: 'p"w\\x' } } },
          scope: { project: { name: 'admin', domain: { name: 'Default' } } },
        } },
      });
      const refused = await tokenTypes('wrong');
      expect(refused.code).toBe(1);
      expect(refused.out).toBe('');
      expect(refused.err).toContain(`POST ${url}v3/auth/tokens: HTTP 401`);
    } finally {
      keystone.close();
    }
  });
});
