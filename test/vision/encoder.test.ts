// The torchvision encoders against torchvision itself: seeded weights (test/vision/seeded.ts, the
// formula of scripts/make-encoder-fixtures.py), outputs from torch 1.13 + torchvision 0.14 in
// test/fixtures/vision/encoders.npz. float32 within 1e-4 of the largest magnitude, float64 1e-9.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, loadEncoder, readNpz, type Tensor } from '../../src/index.js';
import { fixturePath, seededInput, seededStateDict } from './seeded.js';

const expected = readNpz(readFileSync(fixturePath('encoders.npz')));

/** max |a − b| / max |b|. */
function relToMax(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let d = 0, m = 0;
  for (let i = 0; i < b.size; i++) {
    d = Math.max(d, Math.abs(a.data[i] - b.data[i]));
    m = Math.max(m, Math.abs(b.data[i]));
  }
  expect(m).toBeGreaterThan(0);
  return d / m;
}

const TOL = { float32: 1e-4, float64: 1e-9 } as const;

beforeAll(async () => { await init({ threads: 1 }); });

describe.each([
  ['resnet18', 64, 2], ['resnet50', 64, 2], ['mobilenet_v2', 64, 2], ['resnet18', 224, 1],
] as const)('%s at %i², batch %i', (arch, size, n) => {
  const sd = seededStateDict(arch);
  it.each(['float32', 'float64'] as const)('%s: pooled and grid equal torchvision', async (dtype) => {
    const enc = await loadEncoder(sd, { arch, dtype });
    const x = seededInput(n, size, dtype);
    const tag = `${arch}_${size}_${n}_${dtype}`;
    const pooled = await enc.encode(x);
    expect(pooled.dtype).toBe(dtype);
    expect(pooled.shape).toEqual([n, enc.outputDim]);
    expect(relToMax(pooled, expected[`${tag}_pooled`])).toBeLessThan(TOL[dtype]);
    if (size < 224) {
      const grid = await enc.encode(x, { output: 'grid' });
      expect(relToMax(grid, expected[`${tag}_grid`])).toBeLessThan(TOL[dtype]);
    }
    enc.dispose();
  });
});
