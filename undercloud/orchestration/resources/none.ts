/** OS::Heat::None: a placeholder that accepts any properties and does nothing (TripleO maps disabled services to it). */
import type { ResourcePlugin } from './types.js';

export const noneResource: ResourcePlugin = {
  type: 'OS::Heat::None',
  description: 'Does nothing; accepts any properties; every attribute is null.',
  properties: { type: 'object', additionalProperties: { updateAllowed: true } },
  attributes: {},
  create: () => ({}),
  update: () => ({}),
  // Heat's None answers every attribute with null, so templates that read attributes of a disabled service still resolve.
  getAttribute: () => null,
};
