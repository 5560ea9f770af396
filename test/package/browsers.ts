// Debian's browsers (never one downloaded by a tool), driven by puppeteer-core: Chromium over
// CDP, Firefox ESR over WebDriver BiDi. A missing browser skips its tests, and fails them
// under CI=true (.ci/run installs both).
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

export interface BrowserSpec { name: 'chromium' | 'firefox'; path: string }

export const BROWSERS: BrowserSpec[] = [
  { name: 'chromium', path: process.env.RECAP_CHROMIUM ?? '/usr/bin/chromium' },
  { name: 'firefox', path: process.env.RECAP_FIREFOX ?? '/usr/bin/firefox-esr' },
];

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** Whether the browser is installed; under CI a missing one is an error, not a skip. */
export function available(spec: BrowserSpec): boolean {
  if (existsSync(spec.path)) return true;
  if (/^(1|true|yes)$/i.test(process.env.CI ?? '')) throw new Error(`${spec.name} not found at ${spec.path} (CI=true); apt-get install -y chromium firefox-esr`);
  console.log(`${spec.name} tests: SKIPPED (${spec.path} not found)`);
  return false;
}

export function launch(spec: BrowserSpec): Promise<Browser> {
  return spec.name === 'chromium'
    ? puppeteer.launch({ browser: 'chrome', executablePath: spec.path, headless: true, args: CHROMIUM_ARGS })
    : puppeteer.launch({ browser: 'firefox', executablePath: spec.path, headless: true });
}
