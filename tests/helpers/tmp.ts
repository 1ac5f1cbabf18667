/**
 * Temporary directories for tests: made under the host's tmpdir and removed when the test file ends, so a
 * test run leaves nothing behind in /tmp. Importing this module registers the file's cleanup (vitest runs
 * each test file in its own module context, so the list is per file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory named `<tmpdir>/<prefix>XXXXXX`, removed after the test file's last test. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
