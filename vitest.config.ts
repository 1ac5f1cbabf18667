import { defineConfig } from 'vitest/config';

// Three projects: unit tests never open a socket or start a process; integration tests run real peers
// (the daemon over a unix socket, NBD servers, dnsmasq, QEMU), one file at a time. e2e (tests/e2e: the
// operator flow in the VM lab, through the public commands) runs last, alone. Vitest runs the groups of
// sequence.groupOrder one after the other; an integration project left at 0 would be put after every
// numbered group (vitest's own group for single-worker projects), so each project has its own number.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60 * 60_000,
          hookTimeout: 20 * 60_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
