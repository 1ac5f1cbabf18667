/** Fake power (Ironic's fake): the stored power state is the truth; changes are instant. */
import type { PowerInterface } from '../interfaces.js';

export const fakePower: PowerInterface = {
  name: 'fake',
  validate: () => undefined,
  getState: async (task) => task.node.powerState ?? 'power off',
  // The conductor saves the new state after a set, which is what makes it "happen" for the fake.
  setState: async (task, target) => {
    (task.node as { powerState: typeof target }).powerState = target;
  },
  reboot: async (task) => {
    (task.node as { powerState: string }).powerState = 'power on';
  },
};
