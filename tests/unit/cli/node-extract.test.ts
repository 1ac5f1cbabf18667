import { describe, expect, it } from 'vitest';
import { Node } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { extractRoles } from '../../../undercloud/cli/commands/node-extract.js';

const node = (name: string, hostname: string, profile: string, image: string) =>
  Node.fromPartial({ name, provisionState: 'active', capabilities: { profile }, instanceInfoJson: JSON.stringify({ hostname, image_source: image }) });

describe('overcloud node extract provisioned', () => {
  it('pins each server to its node; defaults only for what the role\'s nodes share; formats from the roles file', () => {
    const nodes = [node('n1', 'oc-ctl-0', 'control', 'img'), node('n2', 'oc-cmp-0', 'compute', 'img'), node('n3', 'oc-cmp-1', 'compute-big', 'img'), Node.fromPartial({ name: 'spare', instanceInfoJson: '' })];
    expect(extractRoles({ Controller: ['oc-ctl-0'], Compute: ['oc-cmp-0', 'oc-cmp-1'], Storage: [] }, nodes, { Controller: '%stackname%-ctl-%index%' })).toEqual([
      { name: 'Controller', count: 1, hostname_format: '%stackname%-ctl-%index%', defaults: { profile: 'control', image: { href: 'img' } }, instances: [{ hostname: 'oc-ctl-0', name: 'n1' }] },
      { name: 'Compute', count: 2, defaults: { image: { href: 'img' } }, instances: [{ hostname: 'oc-cmp-0', name: 'n2' }, { hostname: 'oc-cmp-1', name: 'n3' }] },
      { name: 'Storage', count: 0, instances: [] },
    ]);
  });

  it('refuses a server that runs on no node the undercloud deployed (nothing could adopt it)', () => {
    expect(() => extractRoles({ Compute: ['byo-0'] }, [], {})).toThrow('server byo-0 (Compute) runs on no node the undercloud deployed');
  });
});
