/** Agent-based inspection (the ramdisk agent reports its inventory); lands with the agents. */
import type { InspectInterface } from '../interfaces.js';
import { NotAvailableError } from '../../errors.js';

export const agentInspect: InspectInterface = {
  name: 'agent',
  validate: () => undefined,
  inspect: async (task) => {
    throw new NotAvailableError(task.node.name, 'introspection (agent inventory)');
  },
};
