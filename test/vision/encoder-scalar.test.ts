// The scalar build (no v128 instruction) runs the encoders too: its twins take the SIMD bodies'
// steps (assembly/__tests__/conv2d.spec.ts pins them bitwise), so it equals torchvision as well.
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { backend, init, loadEncoder, readNpz } from '../../src/index.js';
import { fixturePath, seededInput, seededStateDict } from './seeded.js';

beforeAll(() => init({ wasm: 'scalar' }));

it.each(['resnet18', 'mobilenet_v2'] as const)('%s on the scalar build equals torchvision (float32, 64², pooled and grid)', async (arch) => {
  expect(backend()).toBe('scalar');
  const expected = readNpz(readFileSync(fixturePath('encoders.npz')));
  const enc = await loadEncoder(seededStateDict(arch), { arch });
  const x = seededInput(2, 64);
  for (const output of ['pooled', 'grid'] as const) {
    const y = await enc.encode(x, { output });
    const e = expected[`${arch}_64_2_float32_${output}`];
    let d = 0, m = 0;
    for (let i = 0; i < e.size; i++) { d = Math.max(d, Math.abs(y.data[i] - e.data[i])); m = Math.max(m, Math.abs(e.data[i])); }
    expect(m).toBeGreaterThan(0);
    expect(d / m).toBeLessThan(1e-4);
  }
  enc.dispose();
});
