/**
 * `[DEFAULT] network_namespace`: the whole daemon runs inside that network namespace (the lab's
 * provisioning network lives there: DHCP, HTTP boot, the agent endpoint and the NBD writer all need its
 * addresses). Node cannot setns(2), so `undercloud daemon` re-executes itself under `ip netns exec` when it
 * is not already inside, forwarding signals and the exit code. The operator socket is a path, so the CLIs
 * in the root namespace still reach it.
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { InvalidError } from '../errors.js';

export function insideNamespace(name: string): boolean {
  const file = `/run/netns/${name}`;
  if (!existsSync(file)) throw new InvalidError('NETWORK_NAMESPACE_MISSING', `network_namespace ${name} does not exist (no ${file}); create the lab first (undercloud lab up) or unset network_namespace`);
  const ns = statSync(file);
  const self = statSync('/proc/self/ns/net');
  return ns.ino === self.ino && ns.dev === self.dev;
}

/** Runs this same command inside the namespace and resolves with its exit code. */
export function reexecInNamespace(name: string): Promise<number> {
  const child = spawn('ip', ['netns', 'exec', name, process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const handlers = (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code ?? (signal ? 128 : 1));
    });
    child.on('error', () => resolve(1));
  });
}
