/**
 * Fetches the undercloud CA for a deploy ramdisk. The ramdisk is built before any undercloud exists, so it
 * cannot carry the CA; the kernel line names a URL and the sha256 of the PEM, and the agent trusts the
 * download only when the digest matches. The kernel line and the one-time token travel over the same
 * provisioning network, so this adds no trust the token does not already need.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class CaFetchError extends Error {}

export interface CaFetchOptions {
  caFile: string;
  caUrl: string | undefined;
  caSha256: string | undefined;
  say: (msg: string) => void;
  attempts?: number;
  retryDelayMs?: number;
  fetchImpl?: typeof fetch;
}

/** Makes sure caFile exists: leaves an existing file alone, else downloads and checks it (with retries). */
export async function ensureCaFile(o: CaFetchOptions): Promise<void> {
  if (existsSync(o.caFile)) return;
  if (!o.caUrl) throw new CaFetchError(`no CA file ${o.caFile} and no ca-url to fetch it from`);
  if (!o.caSha256 || !/^[0-9a-f]{64}$/.test(o.caSha256)) throw new CaFetchError('ca-url needs ca-sha256 (64 hex digits) to check the download');
  const attempts = o.attempts ?? 10;
  const doFetch = o.fetchImpl ?? fetch;
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await doFetch(o.caUrl, { signal: AbortSignal.timeout(15_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = Buffer.from(await res.arrayBuffer());
      const got = createHash('sha256').update(body).digest('hex');
      // A wrong digest is not transient: someone else answered, or the kernel line is stale.
      if (got !== o.caSha256) throw new CaFetchError(`the CA from ${o.caUrl} has sha256 ${got}, expected ${o.caSha256}: refusing it`);
      mkdirSync(path.dirname(o.caFile), { recursive: true });
      const tmp = `${o.caFile}.tmp`;
      writeFileSync(tmp, body, { mode: 0o644 });
      renameSync(tmp, o.caFile);
      o.say(`CA fetched from ${o.caUrl} (sha256 ${got.slice(0, 16)}...)`);
      return;
    } catch (err) {
      if (err instanceof CaFetchError) throw err;
      last = (err as Error).message;
      o.say(`fetching the CA from ${o.caUrl} failed (${last}); attempt ${i} of ${attempts}`);
      if (i < attempts) await new Promise((r) => setTimeout(r, o.retryDelayMs ?? 3000));
    }
  }
  throw new CaFetchError(`cannot fetch the CA from ${o.caUrl}: ${last}`);
}
