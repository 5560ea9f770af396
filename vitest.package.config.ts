import { defineConfig } from 'vitest/config';

// Package tests (npm run test:package): the packed tarball installed into temp apps, and the
// Node/Bun/Deno runtime matrix. A stage of their own after the Node tests, one file at a time,
// so their npm installs and child runtimes do not compete with the unit tests for the cores.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    globalSetup: ['test/support/build-first.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
