import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../../../overcloud/executors/inventory.js';
import { fakeMachine } from '../../../fixtures/agents/fake-tools.js';
import { tempDir } from '../../../helpers/tmp.js';

describe('inventory', () => {
  it('reads CPUs, memory, disks, NICs and DMI under the root and skips loop devices and lo', () => {
    const root = tempDir('inv-');
    fakeMachine(root);
    const inv = collectInventory(root);
    expect(inv.cpu.count).toBe(2);
    expect(inv.cpu.flags).toEqual(['fpu', 'vme', 'lm']);
    expect(inv.memory.totalBytes).toBe(8167848 * 1024);
    expect(inv.disks.map((d) => [d.name, d.rotational, d.serial])).toEqual([['nvme0n1', false, 'NV-9'], ['sda', true, 'SER-123']]);
    expect(inv.interfaces.map((i) => i.name)).toEqual(['eth0']);
    expect(inv.system.product_serial).toBe('VM-0001');
  });

  it('returns empty facts on a root with nothing to read', () => {
    const inv = collectInventory(tempDir('inv-'));
    expect(inv).toMatchObject({ cpu: { count: 0 }, memory: { totalBytes: 0 }, disks: [], interfaces: [], system: {} });
  });
});
