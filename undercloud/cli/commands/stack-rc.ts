/** The credentials file a deploy leaves behind (`overcloud deploy`, `overcloud credentials`). */
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes the stack's `overcloudrc` output to DIR/STACKrc (mode 0600: it holds the admin password), as
 * TripleO's deploy leaves `overcloudrc` behind. Returns the path, or undefined when the templates have no
 * such output.
 */
export function writeStackRc(dir: string, stack: string, outputs: unknown): string | undefined {
  const rc = (outputs as Record<string, unknown> | null)?.overcloudrc;
  if (typeof rc !== 'string' || rc === '') return undefined;
  const file = path.resolve(dir, `${stack}rc`);
  writeFileSync(file, rc.endsWith('\n') ? rc : `${rc}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode otherwise
  return file;
}
