/** OS::Heat::ResourceChain: a list of resource types (TripleO's ServiceChain), each member after the previous unless `concurrent`. */
import type { NestedSpec, ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';
import { generatedFile, memberType, renderTemplate, UNKNOWN } from './common.js';
import { collectMembers, memberAttribute } from './members.js';

interface ChainProps {
  [k: string]: Json;
  resources: string[];
  concurrent: boolean;
  resource_properties: Record<string, Json>;
}

export const resourceChainResource: ResourcePlugin<ChainProps> = {
  type: 'OS::Heat::ResourceChain',
  description: 'Resources of the listed types with the same properties, in order or concurrently.',
  properties: {
    type: 'object',
    additionalProperties: false,
    properties: {
      resources: { type: 'array', items: { type: 'string' }, default: [], updateAllowed: true },
      concurrent: { type: 'boolean', default: false, updateAllowed: true },
      resource_properties: { type: 'object', default: {}, updateAllowed: true },
    },
  },
  attributes: {
    refs: { description: 'Reference ids of the members, in order.' },
    refs_map: { description: 'Member name -> reference id.' },
    attributes: { description: 'Member name -> ATTR.' },
    'resource.N': { description: 'resource.N or resource.N.ATTR.' },
  },
  nested: {
    build(p, _prev, ctx): NestedSpec {
      const resources: Record<string, { type: string; properties?: Json; depends_on?: string[] }> = {};
      p.resources.forEach((type, i) => {
        resources[String(i)] = { type: memberType(type, ctx.resource.pos.file), properties: p.resource_properties };
        if (!p.concurrent && i > 0) resources[String(i)]!.depends_on = [String(i - 1)];
      });
      const file = generatedFile(ctx.stackName, ctx.resourceName, 'chain');
      return { templateFile: file, files: { [file]: renderTemplate(resources) }, parameters: {} };
    },
    validation(p, ctx) {
      const props = p.resource_properties ?? {};
      if (!Array.isArray(p.resources) || props === null || typeof props !== 'object' || Array.isArray(props)) return undefined;
      const resources: Record<string, { type: string; properties?: Json }> = {};
      p.resources.forEach((type, i) => {
        if (typeof type === 'string' && type !== UNKNOWN) resources[String(i)] = { type: memberType(type, ctx.resource.pos.file), properties: props };
      });
      const file = generatedFile(ctx.stackName, ctx.resourceName, 'chain');
      return { templateFile: file, files: { [file]: renderTemplate(resources) }, parameters: {} };
    },
    collect: (child) => collectMembers(child),
  },
  getAttribute: memberAttribute,
};
