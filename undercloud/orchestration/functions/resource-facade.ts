/** resource_facade: metadata | deletion_policy | update_policy — the parent resource's section, in a provider template. */
import { argError, literalString } from './args.js';
import type { IntrinsicFunction } from './types.js';

const SECTIONS = ['metadata', 'deletion_policy', 'update_policy'] as const;
type Section = (typeof SECTIONS)[number];

export const resourceFacade: IntrinsicFunction = {
  name: 'resource_facade',
  since: '2013-05-23',
  validate(call, v) {
    const s = literalString(call.args);
    if (s === undefined || !(SECTIONS as readonly string[]).includes(s)) {
      argError(call, v, `argument must be one of ${SECTIONS.join(', ')}`, call.args);
    }
  },
  resolve(call, e) {
    const s = literalString(call.args);
    if (s === undefined || !(SECTIONS as readonly string[]).includes(s)) return undefined;
    return e.ctx.resourceFacade(s as Section);
  },
};
