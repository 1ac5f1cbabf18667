import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaFetchError, ensureCaFile } from '../../../../overcloud/agent/ca-fetch.js';
import { parseOptions } from '../../../../overcloud/agent/options.js';
import { tempDir } from '../../../helpers/tmp.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const sha = createHash('sha256').update(PEM).digest('hex');
const ok = (async () => new Response(PEM)) as unknown as typeof fetch;

describe('the ramdisk CA', () => {
  it('is downloaded and kept when its sha256 matches', async () => {
    const f = path.join(tempDir('ca-'), 'sub', 'ca.crt');
    await ensureCaFile({ caFile: f, caUrl: 'http://x/agent-ca.crt', caSha256: sha, say: () => undefined, fetchImpl: ok });
    expect(readFileSync(f, 'utf8')).toBe(PEM);
  });
  it('is refused when the digest differs, and never written', async () => {
    const f = path.join(tempDir('ca-'), 'ca.crt');
    await expect(ensureCaFile({ caFile: f, caUrl: 'http://x/', caSha256: 'a'.repeat(64), say: () => undefined, fetchImpl: ok })).rejects.toThrow(CaFetchError);
    expect(() => readFileSync(f)).toThrow();
  });
  it('retries transient failures, and needs a digest with a URL', async () => {
    let calls = 0;
    const flaky = (async () => (++calls < 3 ? new Response('', { status: 503 }) : new Response(PEM))) as unknown as typeof fetch;
    const f = path.join(tempDir('ca-'), 'ca.crt');
    await ensureCaFile({ caFile: f, caUrl: 'http://x/', caSha256: sha, say: () => undefined, fetchImpl: flaky, retryDelayMs: 1 });
    expect(calls).toBe(3);
    await expect(ensureCaFile({ caFile: `${f}.2`, caUrl: 'http://x/', caSha256: undefined, say: () => undefined })).rejects.toThrow(/needs ca-sha256/);
  });
  it('comes from the kernel command line keys (digits included)', () => {
    const dir = tempDir('cmd-');
    const cmdline = path.join(dir, 'cmdline');
    writeFileSync(cmdline, `console=ttyS0 undercloud.node=n1 undercloud.server=10.0.0.1:8444 undercloud.token=t undercloud.ca_url=http://10.0.0.1:8088/agent-ca.crt undercloud.ca_sha256=${sha.toUpperCase()}\n`);
    const o = parseOptions(['--cmdline', cmdline, '--ca-file', path.join(dir, 'ca.crt'), '--mode', 'ramdisk']);
    expect(o).toMatchObject({ nodeId: 'n1', server: '10.0.0.1:8444', token: 't', caUrl: 'http://10.0.0.1:8088/agent-ca.crt', caSha256: sha });
  });
});
