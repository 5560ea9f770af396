// Runs one variant of test/shared/seeded-run.mjs in a fresh Web Worker (a fresh recap runtime).
import * as recap from '../../dist/index.js';
import { VARIANTS, seededRun } from '../shared/seeded-run.mjs';

self.onmessage = async (e) => {
  try {
    self.postMessage({ ok: true, result: await seededRun(recap, VARIANTS[e.data]) });
  } catch (err) {
    self.postMessage({ ok: false, error: String(err?.stack ?? err) });
  }
};
