/**
 * OS::Heat::SoftwareDeploymentGroup and OS::Heat::StructuredDeploymentGroup: one deployment per entry of
 * `servers` (name -> server id), in a child stack. Attributes are maps keyed by the server name.
 */
import type { NestedSpec, ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';
import { asRecord, dig, generatedFile, renderTemplate } from './common.js';
import { collectMembers } from './members.js';

interface GroupProps { [k: string]: Json; servers: Record<string, Json> }

function groupPlugin(type: string, memberType: string, structured: boolean): ResourcePlugin<GroupProps> {
  const props: Record<string, unknown> = {
    config: { type: 'string', updateAllowed: true },
    servers: { type: 'object', default: {}, updateAllowed: true },
    input_values: { type: 'object', default: {}, updateAllowed: true },
    actions: { type: 'array', items: { type: 'string' }, default: ['CREATE', 'UPDATE'], updateAllowed: true },
    name: { type: 'string', updateAllowed: true },
    signal_transport: { type: 'string', default: 'HEAT_SIGNAL' },
  };
  if (structured) {
    props.input_key = { type: 'string', default: 'get_input' };
    props.input_values_validate = { type: 'string', enum: ['LAX', 'STRICT'], default: 'LAX' };
  }
  return {
    type,
    description: `One ${memberType} per server in \`servers\`.`,
    properties: { type: 'object', additionalProperties: false, properties: props },
    attributes: {
      deploy_stdouts: { description: 'Server name -> stdout.', schema: { type: 'object' } },
      deploy_stderrs: { description: 'Server name -> stderr.', schema: { type: 'object' } },
      deploy_status_codes: { description: 'Server name -> status code.', schema: { type: 'object' } },
    },
    nested: {
      build(p, _prev, ctx): NestedSpec {
        const { servers, ...rest } = p;
        const resources: Record<string, { type: string; properties: Json }> = {};
        for (const [name, id] of Object.entries(asRecord(servers))) resources[name] = { type: memberType, properties: { ...rest, server: id } };
        const file = generatedFile(ctx.stackName, ctx.resourceName, 'deployments');
        return { templateFile: file, files: { [file]: renderTemplate(resources) }, parameters: {} };
      },
      collect: (child) => collectMembers(child),
    },
    getAttribute: (snap, name, path) => {
      const members = asRecord(snap.attributes.members);
      const key = ({ deploy_stdouts: 'deploy_stdout', deploy_stderrs: 'deploy_stderr', deploy_status_codes: 'deploy_status_code' } as Record<string, string>)[name];
      if (!key) return undefined;
      const out: Record<string, Json> = {};
      for (const [m, attrs] of Object.entries(members)) out[m] = asRecord(attrs)[key] ?? null;
      return dig(out, path);
    },
  };
}

export const softwareDeploymentGroupResource = groupPlugin('OS::Heat::SoftwareDeploymentGroup', 'OS::Heat::SoftwareDeployment', false);
export const structuredDeploymentGroupResource = groupPlugin('OS::Heat::StructuredDeploymentGroup', 'OS::Heat::StructuredDeployment', true);
