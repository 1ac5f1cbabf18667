/**
 * The ordered list of schema migrations. Add a new file per step (NNNN-name.ts) and one line here.
 * Numbers by domain so parallel work does not collide: 1-99 core, 100-199 agents, 200-299 orchestration,
 * 300-399 images, 400-499 bare metal, 500-599 networks. A store records each version it applied, and gets every listed one it
 * lacks, so a lower number added after a higher one still runs (store.ts `migrate`).
 */
import { migration0001Core } from './0001-core.js';
import { migration0200Orchestration } from './0200-orchestration.js';
import { migration0100Agents } from './0100-agents.js';
import { migration0400BaremetalNodes } from './0400-baremetal-nodes.js';
import { migration0401NodeFault } from './0401-node-fault.js';
import { migration0300Images } from './0300-images.js';
import { migration0301ImageDigests } from './0301-image-digests.js';
import { migration0500Networks } from './0500-networks.js';
import type { Migration } from './types.js';

export const migrations: readonly Migration[] = [
  migration0001Core,
  migration0100Agents,
  migration0200Orchestration,
  migration0300Images,
  migration0301ImageDigests,
  migration0400BaremetalNodes,
  migration0401NodeFault,
  migration0500Networks,
];
export type { Migration } from './types.js';
