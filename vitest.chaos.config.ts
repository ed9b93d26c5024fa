import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: the slow fault-injection cases (real clusters and agent processes, broken
// on purpose). Named *.chaos.ts so that `npm test` (test/**/*.test.ts) leaves them out.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    globalSetup: ['test/chaos/summary.ts'],
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 90_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
