import { defineConfig } from 'vitest/config';

// Node tests. Browser tests live in test/browser (vitest.browser.config.ts), package tests in
// test/package (vitest.package.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'test/package/**', 'node_modules/**'], // those have their own configs
    // dist/ and the wasm are rebuilt first when a source changed (thread and CLI tests run dist/)
    globalSetup: ['test/support/build-first.ts'],
    pool: 'forks',
    // the relaxed-SIMD build needs this flag on Node 20 (harmless for the other files)
    execArgv: ['--experimental-wasm-relaxed-simd'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
