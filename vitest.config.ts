import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Integration files each start their own workerd; two at a time suits a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
