/**
 * The resource type registry: every plugin by name (explicit, grpc-js style). Types the environment maps to
 * templates are not here: the engine makes a template-resource plugin for them (stack.ts).
 */
import type { AnyPlugin } from './types.js';
import { valueResource } from './value.js';
import { noneResource } from './none.js';
import { randomStringResource } from './random-string.js';
import { softwareConfigResource, structuredConfigResource } from './software-config.js';
import { softwareDeploymentResource, structuredDeploymentResource } from './software-deployment.js';
import { softwareDeploymentGroupResource, structuredDeploymentGroupResource } from './deployment-group.js';
import { cloudConfigResource } from './cloud-config.js';
import { multipartMimeResource } from './multipart-mime.js';
import { waitConditionHandleResource, waitConditionResource } from './wait-condition.js';
import { deployedServerResource } from './deployed-server.js';
import { serverResource } from './server.js';
import { resourceGroupResource } from './resource-group.js';
import { resourceChainResource } from './resource-chain.js';
import { stackResource } from './stack.js';
import { networkPortsResource } from './network-ports.js';

const all: AnyPlugin[] = [
  valueResource, noneResource, randomStringResource,
  softwareConfigResource, structuredConfigResource, cloudConfigResource, multipartMimeResource,
  softwareDeploymentResource, structuredDeploymentResource, softwareDeploymentGroupResource, structuredDeploymentGroupResource,
  waitConditionHandleResource, waitConditionResource,
  deployedServerResource, serverResource, networkPortsResource,
  resourceGroupResource, resourceChainResource, stackResource,
];

export const resourcePlugins: ReadonlyMap<string, AnyPlugin> = new Map(all.map((p) => [p.type, p]));

export function isKnownType(type: string): boolean {
  return resourcePlugins.has(type);
}

/** Attribute names a type declares (for get_attr validation on the template side). */
export function attributeNames(type: string): string[] | undefined {
  const p = resourcePlugins.get(type);
  // Types whose attributes depend on the members or the config's declared outputs are not checked statically.
  if (!p || p.nested || p.type === 'OS::Heat::None' || p.type.includes('Deployment')) return undefined;
  return Object.keys(p.attributes);
}

export { templateResourcePlugin } from './stack.js';
export { SERVER_TYPE } from './server.js';
export { FakeServers } from './fakes/fake-servers.js';
export { FakeAgent } from './fakes/fake-agent.js';
export type * from './types.js';
