/** Fake boot: nothing to prepare. */
import type { BootInterface } from '../interfaces.js';

export const fakeBoot: BootInterface = {
  name: 'fake',
  validate: () => undefined,
  prepareRamdisk: async () => undefined,
  cleanUpRamdisk: async () => undefined,
  prepareInstance: async () => undefined,
};
