/** Fake deploy and clean: succeed at once (Ironic's fake deploy); used by fake-hardware nodes and tests. */
import type { DeployInterface } from '../interfaces.js';

export const fakeDeploy: DeployInterface = {
  name: 'fake',
  validate: () => undefined,
  deploy: async () => undefined,
  tearDown: async () => undefined,
  clean: async () => undefined,
};
