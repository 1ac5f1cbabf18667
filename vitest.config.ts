import { defineConfig } from 'vitest/config';

// Three projects: unit tests never open a socket or start a process; integration tests run real peers
// (the daemon over a unix socket, NBD servers, dnsmasq, QEMU). e2e (tests/e2e: the operator flow in the VM
// lab, through the public commands) runs last, after both (sequence.groupOrder), alone.
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
          sequence: { groupOrder: 0 },
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
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
