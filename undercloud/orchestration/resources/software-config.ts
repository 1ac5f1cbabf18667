/**
 * OS::Heat::SoftwareConfig and OS::Heat::StructuredConfig: immutable config blobs stored under an id; the
 * resource's reference is that id, which deployments name in their `config` property. Any change replaces
 * the config (a new id), as in Heat, so deployments that use it see a changed `config` and re-run.
 */
import type { ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';

interface ConfigProps {
  [k: string]: Json;
  group: string;
  config: Json;
  inputs: Json[];
  outputs: Json[];
  options: Record<string, Json>;
}

const ioSchema = {
  type: 'array',
  items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' }, type: { type: 'string' }, default: {}, error_output: { type: 'boolean' }, replace_on_change: { type: 'boolean' } } },
  default: [],
};

function configPlugin(type: string, description: string, configSchema: Record<string, unknown>): ResourcePlugin<ConfigProps> {
  return {
    type,
    description,
    properties: {
      type: 'object',
      additionalProperties: false,
      properties: {
        group: { type: 'string', default: 'Heat::Ungrouped' },
        config: configSchema,
        inputs: ioSchema,
        outputs: ioSchema,
        options: { type: 'object', default: {} },
      },
    },
    attributes: { config: { description: 'The config value.' } },
    create: (ctx, p) => {
      const id = ctx.configs.put(ctx.stackId, { group: p.group, config: p.config ?? '', options: p.options ?? {}, inputs: p.inputs ?? [], outputs: p.outputs ?? [] });
      return { refId: id, handle: { configId: id }, attributes: { config: p.config ?? '' } };
    },
    delete: (ctx, snap) => {
      if (snap.refId) ctx.configs.remove(snap.refId);
    },
  };
}

export const softwareConfigResource = configPlugin('OS::Heat::SoftwareConfig', 'A software config (script, ansible, puppet...) for deployments.', { type: 'string', default: '' });
export const structuredConfigResource = configPlugin('OS::Heat::StructuredConfig', 'A structured (map) config with get_input substitution at deploy time.', { type: 'object', default: {} });
