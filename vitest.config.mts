import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Test files: test/unit, test/integration and test/e2e, in the two projects below.
    // Each run's temp files under one folder, removed at the end (test/global-temp.ts).
    globalSetup: ['test/global-temp.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Tests start real processes and servers; two cores here, so keep parallelism modest.
    maxWorkers: 2,
    projects: [
      {
        // Unit tests start no servers and restore what they change: a worker runs file after file without a
        // fresh process each (half the CPU of the unit files: a fork and vitest's start per file, 92 files).
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'] },
      },
    ],
  },
});
