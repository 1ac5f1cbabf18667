/**
 * An AgentPort whose "node agent" answers at once (or after a delay), for tests, benchmarks and
 * `agent_driver = fake`. Behaviour is scripted by the config text, so templates can drive it:
 *   FAKE_AGENT_FAIL        -> status 1, stderr "fake agent: failed as asked"
 *   FAKE_AGENT_SLEEP=<ms>  -> the result arrives after <ms>
 *   FAKE_AGENT_OUTPUT=<name>=<value> -> declares an output
 * Otherwise status 0 and stdout "applied <group> config to <server>".
 * A result asked for an id this process never saw (the daemon restarted while the deployment ran) is
 * reported as finished, as the real hub would from its persisted step: that is what lets the restart tests
 * show a resumed poll rather than a repeated dispatch.
 */
import type { AgentPort, DeploymentRequest, DeploymentResult } from '../../ports.js';
import type { Json } from '../../template/types.js';

interface Pending { req: DeploymentRequest; readyAt: number; result: DeploymentResult }

export class FakeAgent implements AgentPort {
  readonly name = 'fake';
  readonly dispatched: DeploymentRequest[] = [];
  private readonly pending = new Map<string, Pending>();
  /** When set, dispatch keeps only counts (benchmarks with thousands of deployments). */
  constructor(private readonly options: { keepRequests?: boolean; delayMs?: number } = {}) {}

  async dispatch(req: DeploymentRequest): Promise<void> {
    if (this.pending.has(req.id)) return;
    if (this.options.keepRequests !== false) this.dispatched.push(req);
    const text = typeof req.config.config === 'string' ? req.config.config : JSON.stringify(req.config.config);
    const sleep = /FAKE_AGENT_SLEEP=(\d+)/.exec(text);
    const outputs: Record<string, Json> = {};
    for (const m of text.matchAll(/FAKE_AGENT_OUTPUT=([A-Za-z0-9_]+)=(\S*)/g)) outputs[m[1]!] = m[2]!;
    const fail = text.includes('FAKE_AGENT_FAIL');
    this.pending.set(req.id, {
      req,
      readyAt: Date.now() + (sleep ? Number(sleep[1]) : (this.options.delayMs ?? 0)),
      result: fail
        ? { statusCode: 1, stdout: '', stderr: 'fake agent: failed as asked', outputs }
        : { statusCode: 0, stdout: `applied ${req.config.group} config to ${req.serverId}`, stderr: '', outputs },
    });
  }

  async result(id: string): Promise<DeploymentResult | undefined> {
    const p = this.pending.get(id);
    if (!p) return { statusCode: 0, stdout: `fake agent: deployment ${id} finished while the daemon was away`, stderr: '', outputs: {} };
    if (Date.now() < p.readyAt) return undefined;
    return p.result;
  }
}
