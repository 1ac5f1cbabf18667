/** OS::Heat::CloudConfig: a cloud-init #cloud-config document stored as a software config. */
import { stringify } from 'yaml';
import type { ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';

interface CloudConfigProps {
  [k: string]: Json;
  cloud_config: Record<string, Json>;
}

export const cloudConfigResource: ResourcePlugin<CloudConfigProps> = {
  type: 'OS::Heat::CloudConfig',
  description: 'A #cloud-config document.',
  properties: { type: 'object', additionalProperties: false, properties: { cloud_config: { type: 'object', default: {} } } },
  attributes: { config: { description: 'The rendered #cloud-config text.', schema: { type: 'string' } } },
  create: (ctx, p) => {
    const text = '#cloud-config\n' + stringify(p.cloud_config ?? {});
    const id = ctx.configs.put(ctx.stackId, { group: 'Heat::Ungrouped', config: text, options: {}, inputs: [], outputs: [] });
    return { refId: id, attributes: { config: text } };
  },
  delete: (ctx, snap) => {
    if (snap.refId) ctx.configs.remove(snap.refId);
  },
};
