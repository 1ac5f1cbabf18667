/**
 * Shared pieces of the `overcloud node` commands: the client, the node table/view, and waiting for nodes
 * to settle (no reservation, a stable or failed provision state) while printing their transitions.
 */
import { BaremetalClient, type Node } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { UndercloudClient } from '../../../proto/gen/undercloud/v1/undercloud.js';
import { call, connect, type Connection } from '../common/client.js';
import type { Column } from '../common/output.js';
import { InvalidError, UndercloudError } from '../../errors.js';
import { STATES, isProvisionState } from '../../baremetal/states.js';

export interface NodeClient {
  conn: Connection;
  client: BaremetalClient;
}

export function nodeClient(configFile: string): NodeClient {
  const conn = connect(configFile);
  return { conn, client: conn.client(BaremetalClient) };
}

export const nodeColumns: Column<Node>[] = [
  { header: 'Name', get: (n) => n.name },
  { header: 'Driver', get: (n) => n.driver },
  { header: 'Provision State', get: (n) => n.provisionState },
  { header: 'Power State', get: (n) => n.powerState || 'unknown' },
  { header: 'Maintenance', get: (n) => n.maintenance },
  { header: 'Profile', get: (n) => n.capabilities.profile ?? '' },
  // What the node runs as: the name `overcloud node delete` takes, as TripleO operators read it off `server list`.
  { header: 'Hostname', get: (n) => hostnameOf(n) },
  { header: 'Last Error', get: (n) => n.lastError },
];

/** A node's instance_info (Ironic's: image_source, hostname, allocation_key, ...); {} when it has none. */
export function instanceInfoOf(n: Node): Record<string, unknown> {
  try {
    return JSON.parse(n.instanceInfoJson || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

function hostnameOf(n: Node): string {
  const h = instanceInfoOf(n).hostname;
  return typeof h === 'string' ? h : '';
}

export function nodeView(n: Node): Record<string, unknown> {
  return {
    name: n.name, id: n.id, driver: n.driver, provision_state: n.provisionState, target_provision_state: n.targetProvisionState || null,
    power_state: n.powerState || null, target_power_state: n.targetPowerState || null, maintenance: n.maintenance, maintenance_reason: n.maintenanceReason || null, fault: n.fault || null,
    last_error: n.lastError || null, reservation: n.reservation || null, interfaces: n.interfaces, driver_info: n.driverInfo,
    properties: { cpus: n.cpus, memory_mb: n.memoryMb, local_gb: n.localGb, cpu_arch: n.cpuArch, capabilities: n.capabilities, ...(n.rootDeviceJson ? { root_device: JSON.parse(n.rootDeviceJson) as unknown } : {}) },
    ports: n.ports.map((p) => p.address), created_at: n.createdAt, updated_at: n.updatedAt, provision_updated_at: n.provisionUpdatedAt,
    instance_info: instanceInfoOf(n),
  };
}

/** A node ended in a failure state while the CLI waited. */
export class NodeActionFailedError extends UndercloudError {
  constructor(message: string) {
    super('NODE_ACTION_FAILED', message);
  }
}

function settled(n: Node): boolean {
  if (n.reservation) return false;
  if (!isProvisionState(n.provisionState)) return true;
  const kind = STATES[n.provisionState].kind;
  return kind === 'stable' || kind === 'failed';
}

/**
 * Polls the nodes until each has settled; prints every provision-state change to stderr. Fails when a node
 * ends somewhere else than `expect` (naming it and its last_error) or when `timeoutS` passes.
 */
export async function waitForNodes(nc: NodeClient, names: string[], expect: string, timeoutS: number, quiet = false): Promise<Node[]> {
  const nodes = await settleNodes(nc, names, expect, timeoutS, quiet);
  const failed = nodes.filter((n) => n.provisionState !== expect);
  if (failed.length > 0) throw notReached(failed, expect);
  return nodes;
}

function notReached(failed: Node[], expect: string, attempts?: number): NodeActionFailedError {
  const after = attempts && attempts > 1 ? ` (after ${attempts} attempts)` : '';
  return new NodeActionFailedError(failed.map((n) => `node ${n.name} is "${n.provisionState}", not "${expect}"${after}${n.lastError ? `: ${n.lastError}` : ''}`).join('\n'));
}

/** Polls the nodes until each has settled (a stable or failed state, no task), in the order of `names`. */
async function settleNodes(nc: NodeClient, names: string[], expect: string, timeoutS: number, quiet: boolean): Promise<Node[]> {
  const deadline = Date.now() + timeoutS * 1000;
  const last = new Map<string, string>();
  const done = new Map<string, Node>();
  const progress = quiet ? undefined : await deployProgress(nc);
  while (done.size < names.length) {
    await progress?.();
    for (const name of names) {
      if (done.has(name)) continue;
      const res = await call(nc.conn, nc.client.getNode, nc.client, { node: name });
      const n = res.node!;
      if (!quiet && last.get(name) !== n.provisionState) process.stderr.write(`${n.name}: ${n.provisionState}\n`);
      last.set(name, n.provisionState);
      if (settled(n)) done.set(name, n);
    }
    if (done.size === names.length) break;
    if (Date.now() > deadline) throw new NodeActionFailedError(`timed out after ${timeoutS}s waiting for ${names.filter((n) => !done.has(n)).join(', ')} to reach ${expect}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return names.map((n) => done.get(n)!);
}

/**
 * Prints the daemon's deploy progress events (image write %, rate, ETA; one every few seconds per node) that
 * appear from now on, as plain lines on stderr.
 */
async function deployProgress(nc: NodeClient): Promise<() => Promise<void>> {
  const uc = nc.conn.client(UndercloudClient);
  let after = 0;
  try {
    after = Number((await call(nc.conn, uc.status, uc, {})).lastEventId);
  } catch {
    return async () => undefined;
  }
  return async () => {
    const res = await call(nc.conn, uc.listEvents, uc, { afterId: after, limit: 1000, kinds: ['node.deploy_progress'], subjectId: '' });
    for (const e of res.events) {
      after = Math.max(after, Number(e.id));
      process.stderr.write(`${e.message}\n`);
    }
  };
}

/** Node names for commands that take NODE... or --all-manageable. */
export async function selectNodes(nc: NodeClient, names: string[], allManageable: boolean | undefined): Promise<string[]> {
  if (!allManageable) {
    if (names.length === 0) throw new UndercloudError('USAGE', 'name at least one node, or pass --all-manageable');
    return names;
  }
  const res = await call(nc.conn, nc.client.listNodes, nc.client, { provisionState: 'manageable' });
  return [...names, ...res.nodes.map((n) => n.name)];
}

export function waitSeconds(v: string | boolean | undefined, def: number): number | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UndercloudError('USAGE', `--wait takes a number of seconds, not "${v}"`);
  return n;
}

export interface VerbArgs { erase?: string; image?: string; hostname?: string; sshKeys?: string[] }

/** TripleO's introspection retries: a node that failed is asked again, up to `retries` times, `pauseS` apart. */
export interface Retry {
  retries: number;
  pauseS: number;
}

/**
 * `v` on every node and waits until each reaches `expect`, at most `concurrency` nodes at a time (TripleO's
 * `--concurrency` of import, introspect and provide): in batches, each started once the previous one
 * settled, so a rack does not PXE-boot all at once. With `retry`, the nodes of a batch that failed are asked
 * again (the others stay done); a batch with a node that still failed stops the rest.
 */
export async function verbInBatches(nc: NodeClient, names: string[], v: string, expect: string, timeoutS: number, concurrency: number | undefined, retry?: Retry, args: VerbArgs = {}): Promise<Node[]> {
  const size = Math.max(concurrency ?? names.length, 1);
  const out: Node[] = [];
  for (let i = 0; i < names.length; i += size) out.push(...(await verbWithRetries(nc, names.slice(i, i + size), v, expect, timeoutS, retry, args)));
  return out;
}

async function verbWithRetries(nc: NodeClient, batch: string[], v: string, expect: string, timeoutS: number, retry: Retry | undefined, args: VerbArgs): Promise<Node[]> {
  const done = new Map<string, Node>();
  let pending = batch;
  for (let attempt = 1; ; attempt++) {
    await provisionVerb(nc, pending, v, args);
    const settled = await settleNodes(nc, pending, expect, timeoutS, false);
    const failed: string[] = [];
    settled.forEach((n, k) => (n.provisionState === expect ? done.set(pending[k]!, n) : failed.push(pending[k]!)));
    if (failed.length === 0) break;
    const failedNodes = settled.filter((n) => n.provisionState !== expect);
    if (!retry || attempt > retry.retries) throw notReached(failedNodes, expect, attempt);
    for (const n of failedNodes) process.stderr.write(`${n.name}: ${v} again in ${retry.pauseS}s (attempt ${attempt + 1} of ${retry.retries + 1})${n.lastError ? `, after: ${n.lastError}` : ''}\n`);
    await new Promise((r) => setTimeout(r, retry.pauseS * 1000));
    pending = failed;
  }
  return batch.map((n) => done.get(n)!);
}

/** A whole number option of at least `min` (TripleO's --max-retries, --retry-timeout, --node-timeout). */
export function wholeNumberOf(v: string, option: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidError('CLI_USAGE', `${option} must be a whole number, ${min} or more (got ${v})`);
  return n;
}

/** A `--concurrency` value: a whole number of nodes, 1 or more. */
export function concurrencyOf(v: string | undefined): number | undefined {
  return v === undefined ? undefined : wholeNumberOf(v, '--concurrency', 1);
}

/** Asks for a provision verb on each node in turn; returns the nodes as the daemon answered. */
export async function provisionVerb(nc: NodeClient, names: string[], v: string, a: VerbArgs = {}): Promise<Node[]> {
  const nodes: Node[] = [];
  for (const name of names) {
    const req = { node: name, verb: v, erase: a.erase ?? '', image: a.image ?? '', hostname: a.hostname ?? '', sshKeys: a.sshKeys ?? [] };
    nodes.push((await call(nc.conn, nc.client.setProvisionState, nc.client, req)).node!);
  }
  return nodes;
}
