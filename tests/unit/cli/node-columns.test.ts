import { describe, expect, it } from 'vitest';
import { Node } from '../../../proto/gen/undercloud/v1/baremetal.js';
import { renderTable } from '../../../undercloud/cli/common/output.js';
import { nodeColumns } from '../../../undercloud/cli/commands/node-common.js';

describe('overcloud node list columns', () => {
  it('shows the hostname a node was deployed as (what `overcloud node delete` takes), blank when it has none', () => {
    const deployed = Node.fromPartial({ name: 'rack1-n7', driver: 'ipmi', provisionState: 'active', powerState: 'power on', capabilities: { profile: 'compute' }, instanceInfoJson: JSON.stringify({ hostname: 'overcloud-novacompute-1', image_source: 'overcloud-full' }) });
    const spare = Node.fromPartial({ name: 'rack1-n8', driver: 'ipmi', provisionState: 'available', powerState: 'power off', instanceInfoJson: '' });
    const [header, , first, second] = renderTable([deployed, spare], nodeColumns).split('\n');
    expect(header).toMatch(/Profile\s+Hostname\s+Last Error$/);
    expect(first).toMatch(/compute\s+overcloud-novacompute-1\s*$/);
    expect(second).toMatch(/^rack1-n8\s+ipmi\s+available\s+power off\s+false\s*$/);
  });
});
