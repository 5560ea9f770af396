// A web app that uses recap, as a user writes it after `npm install recap`; built by each
// bundler with no recap-specific configuration. Reports to window.__recap for the test.
import * as recap from 'recap';
import { VARIANTS, seededRun } from './seeded-run.mjs';
import { captionScene } from './caption.mjs';

/** Pixels through a canvas, as an app captioning a drawing would read them. */
function throughCanvas(img) {
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.putImageData(new ImageData(img.data, img.width, img.height), 0, 0);
  return ctx.getImageData(0, 0, img.width, img.height);
}

async function main() {
  const isolated = globalThis.crossOriginIsolated === true;
  await recap.init(); // default threads: every core when isolated, else 1 with a note
  const threads = recap.threads();
  recap.dispose();
  const run = await seededRun(recap, VARIANTS[isolated ? 1 : 0]);
  const caption = await captionScene(recap, window.recapModelUrl, throughCanvas);
  return { isolated, threads, run, caption };
}

main().then(
  (r) => { window.__recap = r; },
  (e) => { window.__recap = { error: String((e && e.stack) || e) }; },
);
