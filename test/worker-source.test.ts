// The embedded worker (src/core/worker-source.ts) is the current bundle of src/core/worker.ts and
// imports nothing (the threads tests start it).
import { expect, it } from 'vitest';
// @ts-expect-error -- plain JS build script without types
import { bundleWorker } from '../scripts/build-worker.mjs';
import { workerSource } from '../src/core/worker-source.js';

it('the embedded worker is the bundle of src/core/worker.ts (run npm run build after editing it)', async () => {
  expect(workerSource).toBe(await bundleWorker());
  expect(workerSource).not.toMatch(/\bimport\s*[{*\w]|["']node:/); // self-contained, no literal built-in
});
