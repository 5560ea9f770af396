// Browser tests (run by scripts/test-browser.mjs, `npm run test:browser`), in Debian's Chromium
// (/usr/bin/chromium; never a downloaded browser). Two projects:
//   chromium  test/browser/*.browser.test.ts run inside Chromium (vitest browser mode):
//             the library itself there (reference vectors, Node-vs-Chromium bit-identity).
//   e2e       test/browser/*.e2e.test.ts run in Node and drive Chromium with Playwright:
//             the demo page end to end, and a Vite-built app that imports 'recap'.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

export const CHROMIUM = process.env.RECAP_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const run = promisify(execFile);
const nodeRunner = fileURLToPath(new URL('./test/shared/seeded-run-node.mjs', import.meta.url));

export default defineConfig({
  test: {
    projects: [
      {
        server: { headers: ISOLATION },
        test: {
          name: 'chromium',
          include: ['test/browser/**/*.browser.test.ts'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS } }),
            instances: [{ browser: 'chromium' }],
            commands: {
              /** The Node side of the seeded run: one variant in a fresh Node process. */
              async nodeSeededRun(_ctx, variant: number) {
                const { stdout } = await run(process.execPath, [nodeRunner, String(variant)], { timeout: 60_000 });
                return JSON.parse(stdout.trim().split('\n').pop()!);
              },
            },
          },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/browser/**/*.e2e.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
