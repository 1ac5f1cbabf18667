/** OS::Heat::MultipartMime: several configs (by id) or texts joined as a multipart/mixed document, stored as a config. */
import type { ResourcePlugin } from './types.js';
import type { Json } from '../template/types.js';
import { asString } from './common.js';

interface Part { config: string; filename?: string; type?: 'text' | 'multipart'; subtype?: string }
interface MimeProps {
  [k: string]: Json;
  parts: Json[];
  group: string;
}

const BOUNDARY = '===============undercloud-mime==';

export const multipartMimeResource: ResourcePlugin<MimeProps> = {
  type: 'OS::Heat::MultipartMime',
  description: 'A multipart MIME document made of configs or texts (cloud-init user data).',
  properties: {
    type: 'object',
    additionalProperties: false,
    properties: {
      group: { type: 'string', default: 'Heat::Ungrouped' },
      parts: {
        type: 'array',
        default: [],
        items: { type: 'object', additionalProperties: false, required: ['config'], properties: { config: { type: 'string' }, filename: { type: 'string' }, type: { type: 'string', enum: ['text', 'multipart'], default: 'text' }, subtype: { type: 'string' } } },
      },
    },
  },
  attributes: { config: { description: 'The MIME document.', schema: { type: 'string' } } },
  create: (ctx, p) => {
    const lines = ['Content-Type: multipart/mixed; boundary="' + BOUNDARY + '"', 'MIME-Version: 1.0', ''];
    for (const raw of p.parts as unknown as Part[]) {
      // A part names a stored config by id, or is literal text (Heat accepts both).
      const stored = ctx.configs.get(raw.config);
      const body = stored ? asString(stored.config) : raw.config;
      lines.push('--' + BOUNDARY, `Content-Type: text/${raw.subtype ?? 'x-shellscript'}; charset="utf-8"`, 'MIME-Version: 1.0', 'Content-Transfer-Encoding: 7bit');
      if (raw.filename) lines.push(`Content-Disposition: attachment; filename="${raw.filename}"`);
      lines.push('', body);
    }
    lines.push('--' + BOUNDARY + '--', '');
    const text = lines.join('\n');
    const id = ctx.configs.put(ctx.stackId, { group: p.group, config: text, options: {}, inputs: [], outputs: [] });
    return { refId: id, attributes: { config: text } };
  },
  delete: (ctx, snap) => {
    if (snap.refId) ctx.configs.remove(snap.refId);
  },
};
