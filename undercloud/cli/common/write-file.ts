/** Files the CLI writes for the operator. */
import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes `text` to `file` in one step (a reader never sees half of it, a failed write leaves the old file).
 * `mode` 0o600 for secrets: the file is never readable by others, not even for a moment.
 */
export function writeFileAtomically(file: string, text: string, mode = 0o644): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode); // the umask may have taken bits away from 0o644
  renameSync(tmp, file);
}
