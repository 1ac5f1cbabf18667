#!/usr/bin/env node
// Generates TypeScript from proto/**/*.proto into proto/gen (git-ignored) with ts-proto through buf.
// buf comes from npm (@bufbuild/buf ships its binary inside the package), so `npm ci` is all a build needs:
// no root, no apt, and the same pinned compiler on every machine. See docs/codegen.md.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const buf = path.join(root, 'node_modules', '.bin', 'buf');
const r = spawnSync(buf, ['generate'], { cwd: root, stdio: 'inherit' });
if (r.error) {
  console.error(`gen-proto: cannot run ${buf}: ${r.error.message} (run "npm ci" first)`);
  process.exit(1);
}
process.exit(r.status ?? 1);
