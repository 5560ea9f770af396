// Live equivalence with torchvision (skipped when /usr/bin/python3 has no torchvision):
// scripts/encoder-live.py builds the architecture with torchvision's own random init (BN
// statistics randomised), writes its state_dict as .npz and its outputs on the seeded input;
// VGG-16 is tested only here (its 0.5 GB of weights are not committed).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, loadEncoder, readNpz, type Tensor } from '../../src/index.js';
import { seededInput } from './seeded.js';

const PYTHON = '/usr/bin/python3';
const hasTorchvision = spawnSync(PYTHON, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;
const script = new URL('../../scripts/encoder-live.py', import.meta.url).pathname;

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

describe.skipIf(!hasTorchvision)('torchvision live', () => {
  let dir = '';
  beforeAll(async () => {
    await init({ threads: 1 });
    dir = mkdtempSync(join(tmpdir(), 'recap-encoder-'));
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it.each([
    ['resnet18', 56, 2, ['float32', 'float64']], ['vgg16', 32, 1, ['float32']],
  ] as const)('%s (torchvision init) at %i², batch %i: pooled and grid', async (arch, size, batch, dtypes) => {
    execFileSync(PYTHON, [script, arch, String(size), String(batch), dir, ...(dtypes.length === 1 ? ['--no-float64'] : [])], { stdio: 'inherit' });
    const weights = readFileSync(join(dir, 'weights.npz'));
    const expected = readNpz(readFileSync(join(dir, 'expected.npz')));
    for (const dtype of dtypes) {
      const enc = await loadEncoder(weights, { arch, dtype });
      const x = seededInput(batch, size, dtype);
      const tol = dtype === 'float32' ? 1e-4 : 1e-9;
      expect(relToMax(await enc.encode(x), expected[`${dtype}_pooled`])).toBeLessThan(tol);
      expect(relToMax(await enc.encode(x, { output: 'grid' }), expected[`${dtype}_grid`])).toBeLessThan(tol);
      enc.dispose();
    }
  }, 600_000);
});
