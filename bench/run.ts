/**
 * `npm run bench`: runs every benchmark in the registry below and prints its figures. Each benchmark is a
 * module exporting `bench: Benchmark`; add one line per benchmark. `npm run bench -- NAME...` runs some.
 */
import type { Benchmark } from './types.js';

const registry: Record<string, () => Promise<{ bench: Benchmark }>> = {
  orchestration: () => import('./orchestration/index.js'),
  agents: () => import('./agents/agents.bench.js'),
  'disk-image-builder': () => import('./disk-image-builder/bench.js'),
  nbd: () => import('./nbd/bench.js'),
  // Needs root and the VM lab (several minutes of TCG boots): run it on its own, `npm run bench -- baremetal`.
  baremetal: () => import('./baremetal/deploy-phases.js'),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : Object.keys(registry);
  let failed = false;
  for (const name of names) {
    const load = registry[name];
    if (!load) {
      console.error(`unknown benchmark ${name}; known: ${Object.keys(registry).join(', ')}`);
      process.exitCode = 2;
      return;
    }
    const { bench } = await load();
    console.log(`\n== ${name}: ${bench.description}`);
    try {
      const result = await bench.run();
      for (const line of result.lines) console.log(line);
      if (result.goalsMet === false) console.log(`(goal not met: ${result.goalNote ?? ''})`);
    } catch (err) {
      failed = true;
      console.error(`benchmark ${name} failed: ${(err as Error).stack}`);
    }
  }
  if (names.length === 0) console.log('no benchmarks registered yet');
  if (failed) process.exitCode = 1;
}

await main();
