/**
 * OS::Heat::SoftwareDeployment and OS::Heat::StructuredDeployment: apply a config to a server through the
 * agent port. `create` dispatches (the hub persists the step under the deployment id, so a resumed poll
 * never sends it twice); `checkCreateComplete` polls the result. A non-zero status code fails the resource
 * with Heat's message, and the stdout/stderr tail stays in the attributes for `overcloud failures`. The
 * handle keeps the server's instance the config was applied to: a stack update applies the config again
 * (as a CREATE: the system is new) to a server imaged since, and as an UPDATE when the operator asks
 * (`--reapply-config`; engine/reapply.ts).
 */
import type { CheckResult, Outcome, ResourceContext, ResourcePlugin, ResourceSnapshot } from './types.js';
import type { Json } from '../template/types.js';
import type { DeploymentResult } from '../ports.js';
import { ResourceFailure } from './errors.js';
import { asRecord, dig, newId } from './common.js';

interface DeploymentProps {
  [k: string]: Json;
  config: string;
  server: string;
  input_values: Record<string, Json>;
  actions: string[];
  name: string;
  signal_transport: string;
  input_key: string;
}

/** `instance`: the server's installed system the config was applied to (ServerPort.instance), when known. */
interface DeploymentHandle { deploymentId: string | null; action: string; instance?: string }

const ACTIONS = ['CREATE', 'UPDATE', 'DELETE', 'SUSPEND', 'RESUME'];

function schema(structured: boolean): Record<string, unknown> {
  const props: Record<string, unknown> = {
    config: { type: 'string', updateAllowed: true },
    server: { type: 'string' },
    input_values: { type: 'object', default: {}, updateAllowed: true },
    actions: { type: 'array', items: { type: 'string', enum: ACTIONS }, default: ['CREATE', 'UPDATE'], updateAllowed: true },
    name: { type: 'string', updateAllowed: true },
    signal_transport: { type: 'string', enum: ['CFN_SIGNAL', 'TEMP_URL_SIGNAL', 'HEAT_SIGNAL', 'ZAQAR_SIGNAL', 'NO_SIGNAL'], default: 'HEAT_SIGNAL' },
  };
  if (structured) {
    props.input_key = { type: 'string', default: 'get_input' };
    props.input_values_validate = { type: 'string', enum: ['LAX', 'STRICT'], default: 'LAX' };
  }
  return { type: 'object', additionalProperties: false, required: ['server'], properties: props };
}

/** Replaces `{<input_key>: name}` maps in a structured config with the input's value (Heat's StructuredDeployment). */
export function substituteInputs(config: Json, inputs: Record<string, Json>, key = 'get_input'): Json {
  if (Array.isArray(config)) return config.map((c) => substituteInputs(c, inputs, key));
  if (config !== null && typeof config === 'object') {
    const keys = Object.keys(config);
    if (keys.length === 1 && keys[0] === key && typeof config[key] === 'string') return inputs[config[key]] ?? null;
    const out: Record<string, Json> = {};
    for (const k of keys) out[k] = substituteInputs(config[k]!, inputs, key);
    return out;
  }
  return config;
}

async function dispatch(ctx: ResourceContext, p: DeploymentProps, action: string, structured: boolean): Promise<Outcome> {
  // Recorded even when the action is not one to run: a rebuilt server is still told apart from this one.
  const instance = await ctx.servers.instance?.(p.server, ctx.signal);
  const handleOf = (deploymentId: string | null): Json => ({ deploymentId, action, ...(instance !== undefined ? { instance } : {}) } satisfies DeploymentHandle as unknown as Json);
  if (!(p.actions ?? ['CREATE', 'UPDATE']).includes(action)) return { handle: handleOf(null) };
  const stored = p.config ? ctx.configs.get(p.config) : undefined;
  if (p.config && !stored) throw new ResourceFailure('CONFIG_NOT_FOUND', `software config ${p.config} not found`);
  const deploymentId = newId();
  const inputs: Record<string, Json> = {
    ...asRecord(p.input_values),
    deploy_server_id: p.server,
    deploy_action: action,
    deploy_stack_id: `${ctx.stackName}/${ctx.stackId}`,
    deploy_resource_name: ctx.resourceName,
    deploy_signal_transport: p.signal_transport ?? 'HEAT_SIGNAL',
    deploy_signal_id: deploymentId,
  };
  const group = stored?.group ?? 'Heat::Ungrouped';
  const body = structured ? substituteInputs(stored?.config ?? {}, inputs, p.input_key ?? 'get_input') : (stored?.config ?? '');
  const outputs = (stored?.outputs ?? []).map((o) => String(asRecord(o).name ?? ''));
  await ctx.agent.dispatch({ id: deploymentId, serverId: p.server, action, config: { group, config: body, options: stored?.options ?? {}, outputs }, inputs }, ctx.signal);
  return { handle: handleOf(deploymentId) };
}

async function check(ctx: ResourceContext, snap: ResourceSnapshot): Promise<CheckResult> {
  const h = snap.handle as unknown as DeploymentHandle | undefined;
  if (!h?.deploymentId) return { done: true };
  const r = await ctx.agent.result(h.deploymentId, ctx.signal);
  if (!r) return { done: false };
  const attributes = resultAttributes(r);
  if (r.statusCode !== 0) {
    throw new ResourceFailure('DEPLOYMENT_FAILED', `Error: resources.${ctx.resourceName}: Deployment to server failed: deploy_status_code : Deployment exited with non-zero status code: ${r.statusCode}`, {
      cause: Object.assign(new Error(r.stderr.slice(-4000)), { attributes }),
    });
  }
  return { done: true, attributes };
}

function resultAttributes(r: DeploymentResult): Record<string, Json> {
  return { ...r.outputs, deploy_stdout: r.stdout, deploy_stderr: r.stderr, deploy_status_code: r.statusCode };
}

function deploymentPlugin(type: string, structured: boolean): ResourcePlugin<DeploymentProps> {
  return {
    type,
    description: structured ? 'Applies a structured config to a server, substituting inputs.' : 'Applies a software config to a server through its agent.',
    properties: schema(structured),
    attributes: {
      deploy_stdout: { description: 'Standard output of the deployment.', schema: { type: 'string' } },
      deploy_stderr: { description: 'Standard error of the deployment.', schema: { type: 'string' } },
      deploy_status_code: { description: 'Exit status of the deployment.', schema: { type: 'integer' } },
    },
    create: (ctx, p) => dispatch(ctx, p, 'CREATE', structured),
    checkCreateComplete: check,
    update: (ctx, p) => dispatch(ctx, p, 'UPDATE', structured),
    checkUpdateComplete: check,
    delete: async (ctx, snap) => {
      const p = (snap.properties ?? {}) as DeploymentProps;
      if (!(p.actions ?? []).includes('DELETE')) return;
      const out = await dispatch(ctx, p, 'DELETE', structured);
      const handleSnap = { ...snap, handle: out.handle };
      for (let wait = 20; ; wait = Math.min(wait * 2, 2000)) {
        if ((await check(ctx, handleSnap)).done) return;
        await new Promise((r) => setTimeout(r, wait));
        ctx.signal.throwIfAborted();
      }
    },
    // Declared outputs of the config become attributes once the deployment reports them.
    getAttribute: (snap, name, path) => dig(snap.attributes[name], path),
  };
}

export const softwareDeploymentResource = deploymentPlugin('OS::Heat::SoftwareDeployment', false);
export const structuredDeploymentResource = deploymentPlugin('OS::Heat::StructuredDeployment', true);
