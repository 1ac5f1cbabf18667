/** OS::Heat::Value: a computed value other resources and outputs read through get_attr (a cheap "let"). */
import type { ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';

interface ValueProps {
  [k: string]: Json;
  value: Json;
}

export const valueResource: ResourcePlugin<ValueProps> = {
  type: 'OS::Heat::Value',
  description: 'A value computed from the template, exposed as the attribute `value`.',
  properties: {
    type: 'object',
    additionalProperties: false,
    required: ['value'],
    properties: {
      value: { updateAllowed: true },
      type: { type: 'string', enum: ['string', 'number', 'comma_delimited_list', 'json', 'boolean'], updateAllowed: true },
    },
  },
  attributes: { value: { description: 'The value property, as resolved.' } },
  create: (_ctx, p) => ({ attributes: { value: p.value } }),
  update: (_ctx, p) => ({ attributes: { value: p.value } }),
};
