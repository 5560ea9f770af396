// Encoding a folder of 1000 images (recap features --out DIR/, prepro --images) keeps memory
// flat: the wasm memory does not grow after the first batches and no features are kept.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { init, loadEncoder } from '../../src/index.js';
import { rt } from '../../src/core/runtime.js';
import { encodeImageFiles, listImageFiles } from '../../src/node.js';
import { encodePng } from '../../src/cli/report.js';
import { seededStateDict } from './seeded.js';

const dir = mkdtempSync(join(tmpdir(), 'recap-1000-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('1000 images into a folder of .npy files: wasm memory flat, nothing kept', async () => {
  await init();
  mkdirSync(join(dir, 'img'));
  for (let i = 0; i < 1000; i++) {
    const w = 12 + (i % 5), h = 10 + (i % 7);
    const px = Uint8Array.from({ length: w * h * 3 }, (_, p) => (p * 31 + i * 17) & 255);
    writeFileSync(join(dir, 'img', `${String(i).padStart(4, '0')}.png`), encodePng(px, w, h, 3));
  }
  const files = await listImageFiles([join(dir, 'img')]);
  expect(files).toHaveLength(1000);
  const encoder = await loadEncoder(seededStateDict('mobilenet_v2'), { arch: 'mobilenet_v2' });
  const memory: number[] = [];
  const r = await encodeImageFiles(files, encoder, {
    resize: 32, crop: 32, batch: 8, dir: join(dir, 'feats'),
    onProgress: () => { memory.push(rt().memory.buffer.byteLength); },
  });
  encoder.dispose();
  expect(r.ids).toHaveLength(1000);
  expect(r.features).toBeNull();
  expect(readdirSync(join(dir, 'feats')).filter((f) => f.endsWith('.npy'))).toHaveLength(1000);
  expect(memory).toHaveLength(125); // one report per batch of 8
  // the first batches size the activations and the resize scratch (image sizes repeat every 35
  // images, 5 batches); after them the memory never grows
  const grew = memory.findIndex((m, i) => i > 0 && m !== memory[i - 1]);
  expect(grew, `wasm memory grew after batch ${grew}: ${memory[grew - 1]} → ${memory[grew]}`).toBeLessThan(5);
  expect(new Set(memory.slice(5)).size).toBe(1);
}, 180_000);
