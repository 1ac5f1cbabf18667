import { defineConfig } from 'vitest/config';

// Two projects: unit tests never open a socket or start a process; integration tests run real peers
// (the daemon over a unix socket, NBD servers, dnsmasq, QEMU). e2e (the VM lab) runs on its own.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
