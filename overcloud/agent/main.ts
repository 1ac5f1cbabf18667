/**
 * The node agent's entry point (bundled into one file by scripts/bundle-agent.mjs; runs on Node 18 with no
 * npm install). Exit codes: 0 stopped by a signal, 2 usage, 3 identity refused (needs a new token),
 * 4 no trustworthy CA.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { executorMap } from '../executors/index.js';
import { CaFetchError, ensureCaFile } from './ca-fetch.js';
import { Journal } from './journal.js';
import { parseOptions, UsageError } from './options.js';
import { Runner } from './runner.js';
import { AgentRefusedError, GrpcTransport } from './transport-grpc.js';

export const AGENT_VERSION = '0.1.0';

export async function main(argv: string[]): Promise<number> {
  let o;
  try {
    o = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`undercloud-agent: ${(err as Error).message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
  const say = (msg: string) => process.stderr.write(`${new Date().toISOString()} undercloud-agent[${o.nodeId}]: ${msg}\n`);
  say(`starting in ${o.mode} mode, daemon ${o.server}`);
  try {
    await ensureCaFile({ caFile: o.caFile, caUrl: o.caUrl, caSha256: o.caSha256, say });
  } catch (err) {
    say((err as Error).message);
    return err instanceof CaFetchError ? 4 : 1;
  }
  const journal = new Journal(o.stateDir);
  const transport = new GrpcTransport({
    server: o.server, caPem: readFileSync(o.caFile, 'utf8'), serverName: o.serverName, nodeId: o.nodeId, token: o.token,
    stateDir: o.stateDir, mode: o.mode, version: AGENT_VERSION, hostname: hostname(), say,
  });
  transport.onResultAck = (id) => journal.ack(id);
  const runner = new Runner({ mode: o.mode, root: o.root, dryRun: o.dryRun, stateDir: o.stateDir, executors: executorMap(), journal, sink: transport, say });
  runner.attach(transport);
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      say(`${sig}: stopping`);
      runner.stop();
      stop.abort();
    });
  }
  try {
    await transport.run(stop.signal);
    return 0;
  } catch (err) {
    if (err instanceof AgentRefusedError) {
      say(err.message);
      return 3;
    }
    say(`fatal: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}
