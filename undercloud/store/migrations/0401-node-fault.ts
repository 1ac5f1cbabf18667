import type { Migration } from './types.js';

/**
 * Ironic's node `fault`: why the conductor itself put a node in maintenance ("power failure" after its
 * power state could not be read max times). A node in maintenance with a fault is checked again and taken
 * out of maintenance once the fault is gone; maintenance an operator set (no fault) only an operator unsets.
 */
export const migration0401NodeFault: Migration = {
  version: 401,
  name: 'baremetal: bm_nodes.fault',
  up: `ALTER TABLE bm_nodes ADD COLUMN fault TEXT;`,
};
