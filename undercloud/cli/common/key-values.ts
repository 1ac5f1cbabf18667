/** `KEY=VALUE` options (`-P`, `--property`, `--driver-info`, ...) into a map; a malformed one is a usage error naming the flag. */
import { InvalidError } from '../../errors.js';

export function keyValues(list: readonly string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new InvalidError('CLI_USAGE', `${flag} ${kv}: expected KEY=VALUE`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}
