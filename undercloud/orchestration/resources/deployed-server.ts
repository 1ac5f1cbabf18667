/** OS::Heat::DeployedServer: a server Heat does not provision (pre-provisioned); deployments reach it by name. */
import type { ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';
import { asRecord } from './common.js';

interface DeployedServerProps {
  [k: string]: Json;
  name: string;
  metadata: Record<string, Json>;
  networks: Record<string, Json>;
}

export const DEPLOYED_SERVER_TYPE = 'OS::Heat::DeployedServer';

export const deployedServerResource: ResourcePlugin<DeployedServerProps> = {
  type: DEPLOYED_SERVER_TYPE,
  description: 'A pre-provisioned server; its agent is reached by the server name.',
  properties: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string' },
      metadata: { type: 'object', default: {}, updateAllowed: true },
      software_config_transport: { type: 'string', updateAllowed: true },
      deployment_swift_data: { type: 'object', updateAllowed: true },
      networks: { type: 'object', default: {}, updateAllowed: true },
    },
  },
  attributes: {
    name: { description: 'The server name.', schema: { type: 'string' } },
    networks: { description: 'Network name -> addresses, from the networks property.', schema: { type: 'object' } },
    os_collect_config: { description: 'Agent configuration (compatibility; empty).', schema: { type: 'object' } },
  },
  create: (ctx, p) => {
    const name = p.name || `${ctx.stackName}-${ctx.resourceName}`;
    return { refId: name, attributes: { name, networks: asRecord(p.networks), os_collect_config: {} } };
  },
  update: (_ctx, p, prev) => ({ attributes: { ...prev.attributes, networks: asRecord(p.networks) } }),
};
