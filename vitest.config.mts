import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each run's temp files under one folder, removed at the end (test/global-temp.ts).
    globalSetup: ['test/global-temp.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Tests start real processes and servers; two cores here, so keep parallelism modest.
    maxWorkers: 2,
  },
});
