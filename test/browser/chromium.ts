// Launching Debian's Chromium for the e2e tests (Node side, Playwright).
import { chromium, type Browser } from 'playwright';
import { CHROMIUM, CHROMIUM_ARGS } from '../../vitest.browser.config.js';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
