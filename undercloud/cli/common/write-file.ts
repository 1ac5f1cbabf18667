/** Files the CLI writes for the operator. */
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `text` to `file` in one step (a reader never sees half of it, a failed write leaves the old file). */
export function writeFileAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}
