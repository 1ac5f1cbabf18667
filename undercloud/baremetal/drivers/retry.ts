/** Retries transient BMC errors with exponential backoff; anything else (and the last failure) is thrown. */
import { BmcError } from '../errors.js';

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  signal: AbortSignal;
}

export const DEFAULT_RETRY = { attempts: 3, baseDelayMs: 500 } as const;

export async function withBmcRetries<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  for (let i = 1; ; i++) {
    o.signal.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof BmcError) || !err.transient || i >= o.attempts) throw err;
      await sleep(o.baseDelayMs * 2 ** (i - 1), o.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
