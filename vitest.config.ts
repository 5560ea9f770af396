import { defineConfig } from 'vitest/config';

// Node tests. Browser tests live in test/browser and run with vitest.browser.config.ts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    // dist/ and the wasm are rebuilt first when a source changed (thread and CLI tests run dist/)
    globalSetup: ['test/support/build-first.ts'],
    pool: 'forks',
    // the relaxed-SIMD build needs this flag on Node 20 (harmless for the other files)
    execArgv: ['--experimental-wasm-relaxed-simd'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
