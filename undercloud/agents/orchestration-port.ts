/**
 * The orchestration engine's AgentPort implemented by the hub: a SoftwareDeployment becomes one `script`
 * step whose id is the deployment id (so dispatching twice, or again after a daemon restart, is harmless),
 * and its result is read back from the stored step. `nodeOf` maps the engine's server id to a node id
 * (the bare-metal service knows it).
 */
import type { AgentPort, DeploymentRequest, DeploymentResult } from '../orchestration/ports.js';
import type { Hub } from './hub.js';

const SCRIPT_GROUPS = new Set(['script', 'Heat::Ungrouped', 'ungrouped']);

export function agentPort(hub: Hub, nodeOf: (serverId: string) => string | Promise<string>, opts: { timeoutMs?: number } = {}): AgentPort {
  return {
    name: 'agent-hub',
    async dispatch(req: DeploymentRequest, signal: AbortSignal): Promise<void> {
      const nodeId = await nodeOf(req.serverId);
      const script = typeof req.config.config === 'string' ? req.config.config : JSON.stringify(req.config.config);
      const kind = SCRIPT_GROUPS.has(req.config.group) ? 'script' : req.config.group.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      // Resolves once the step is stored; the engine polls result() for the outcome.
      const { result } = await hub.submit(nodeId, {
        id: req.id, kind, timeoutMs: opts.timeoutMs ?? 3_600_000,
        params: { script, inputs: req.inputs, outputs: req.config.outputs, options: req.config.options, name: req.id, action: req.action },
      }, { signal });
      result.catch(() => undefined);
    },
    async result(id: string): Promise<DeploymentResult | undefined> {
      const s = hub.step(id);
      if (!s || (s.state !== 'succeeded' && s.state !== 'failed')) return undefined;
      const o = s.outputs;
      const declared: Record<string, DeploymentResult['outputs'][string]> = {};
      for (const [k, v] of Object.entries(o)) if (!k.startsWith('deploy_')) declared[k] = v as DeploymentResult['outputs'][string];
      const status = typeof o.deploy_status_code === 'number' ? o.deploy_status_code : s.state === 'succeeded' ? 0 : -1;
      const stderr = typeof o.deploy_stderr === 'string' ? o.deploy_stderr : '';
      return {
        statusCode: status,
        stdout: typeof o.deploy_stdout === 'string' ? o.deploy_stdout : '',
        stderr: s.state === 'failed' && s.errorCode !== 'script_failed' ? `${stderr}${s.errorCode}: ${s.errorMessage ?? ''}` : stderr,
        outputs: declared,
      };
    },
  };
}
