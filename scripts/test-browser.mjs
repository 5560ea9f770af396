#!/usr/bin/env node
// Runs the browser tests (vitest.browser.config.ts) when Debian's Chromium is installed.
// Without it: a plain "SKIPPED" line and exit 0 locally; under CI (CI=true) a failure, so CI
// never skips the browser tests silently. Extra arguments go to vitest.
//   node scripts/test-browser.mjs [vitest args]
//   RECAP_CHROMIUM=/path/to/chromium node scripts/test-browser.mjs
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const chromium = process.env.RECAP_CHROMIUM ?? '/usr/bin/chromium';
const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');

if (!existsSync(chromium)) {
  const how = 'install it with: apt-get update && apt-get install -y chromium';
  if (ci) {
    console.error(`browser tests: FAILED: Chromium not found at ${chromium} and CI=${process.env.CI}; ${how}`);
    process.exit(1);
  }
  console.log(`browser tests: SKIPPED (Chromium not found at ${chromium}; ${how}). Under CI=true this is a failure.`);
  process.exit(0);
}
if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('browser tests: dist/index.js is missing; run `npm run build` first');
  process.exit(1);
}

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.browser.config.ts', ...process.argv.slice(2)], {
  cwd: root, stdio: 'inherit', env: { ...process.env, RECAP_CHROMIUM: chromium },
});
process.exit(r.status ?? 1);
