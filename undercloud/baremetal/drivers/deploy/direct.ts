/**
 * The agent-based deploy (ramdisk agent + NBD writer). It lands with the agents and the NBD writer; until
 * then every operation fails with NotAvailableError instead of pretending to work.
 */
import type { DeployInterface } from '../interfaces.js';
import { NotAvailableError } from '../../errors.js';

export const directDeploy: DeployInterface = {
  name: 'direct',
  validate: () => undefined,
  deploy: async (task) => {
    throw new NotAvailableError(task.node.name, 'deploy (direct: agent + NBD writer)');
  },
  tearDown: async () => undefined,
  clean: async (task) => {
    throw new NotAvailableError(task.node.name, 'cleaning (agent clean steps)');
  },
};
