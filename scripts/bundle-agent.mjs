#!/usr/bin/env node
// Bundles the node agent (overcloud/agent/bin.ts with its executors, grpc-js and the generated agent.v1
// code) into one CommonJS file, dist/agent/undercloud-agent.cjs, that runs on Node 18 (Debian 12's nodejs)
// with no npm install on the node. Run after `npm run gen` (the generated code must exist).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outfile = path.join(root, 'dist', 'agent', 'undercloud-agent.cjs');
await build({
  entryPoints: [path.join(root, 'overcloud', 'agent', 'bin.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
console.log(`bundled the agent into ${path.relative(root, outfile)}`);
