/** Fake inspection: reports what the node already has (or a small default) and its enrolled MACs. */
import type { InspectInterface } from '../interfaces.js';

export const fakeInspect: InspectInterface = {
  name: 'fake',
  validate: () => undefined,
  inspect: async (task) => ({
    properties: {
      cpus: task.node.properties.cpus ?? 1,
      memoryMb: task.node.properties.memoryMb ?? 1024,
      localGb: task.node.properties.localGb ?? 10,
      cpuArch: task.node.properties.cpuArch ?? 'x86_64',
    },
    macs: [],
  }),
};
