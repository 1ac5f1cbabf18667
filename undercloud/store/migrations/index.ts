/**
 * The ordered list of schema migrations. Add a new file per step (NNNN-name.ts) and one line here.
 * Numbers by domain so parallel work does not collide: 1-99 core, 100-199 agents, 200-299 orchestration,
 * 300-399 images, 400-499 bare metal.
 */
import { migration0001Core } from './0001-core.js';
import type { Migration } from './types.js';

export const migrations: readonly Migration[] = [
  migration0001Core,
];
export type { Migration } from './types.js';
