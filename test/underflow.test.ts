// Gradients that underflow are flushed to zero at their producers (assembly/math.ts ftz): wasm
// arithmetic on subnormal numbers is ~100x slower on x86, and trained models' softmax
// probabilities and saturated gates underflow, which slowed training steps 2.4x over a run.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, layers, tensor } from '../src/index.js';

beforeAll(async () => { await init(); });

const FTZ32 = 2 ** -100;
const tinyNonZero = (xs: ArrayLike<number>) => Array.from(xs).filter((v) => v !== 0 && Math.abs(v) < FTZ32);

describe('underflowing gradients are flushed to zero', () => {
  it('temporalSoftmaxLoss (float32): probabilities below 2^-100 give dx = 0, the rest unchanged', () => {
    // one row, V = 5: exp(-95) and exp(-110) underflow (subnormal / zero in f32), exp(-60) does not
    const x = tensor([[[0, -95, -60, -110, 1]]], [1, 1, 5], 'float32');
    const y = tensor([[0]], [1, 1], 'int32');
    const mask = tensor([[1]], [1, 1], 'int32');
    const { dx } = layers.temporalSoftmaxLoss(x, y, mask);
    const d = Array.from(dx.data);
    expect(d[1]).toBe(0);
    expect(d[3]).toBe(0);
    expect(Object.is(d[1], 0)).toBe(true); // +0
    expect(d[2]).toBeGreaterThan(0); // ≈ 8.8e-27 / (1 + e): kept
    expect(d[2]).toBeCloseTo(Math.exp(-60) / (1 + Math.exp(1) + Math.exp(-60)), 30);
    expect(d[4]).toBeCloseTo(Math.exp(1) / (1 + Math.exp(1)), 6);
    expect(tinyNonZero(d)).toEqual([]);
  });
  it('lstmStepBackward (float32): a saturated forget gate gives dprevC = 0 and db_f = 0, not subnormals', () => {
    const N = 2, D = 3, H = 4;
    const fill = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
    const x = tensor(fill(N * D, (i) => i / 10), [N, D]);
    const prevH = tensor(fill(N * H, (i) => 0.5 - i / 10), [N, H]);
    const prevC = tensor(fill(N * H, (i) => 0.3 + i / 20), [N, H]);
    const Wx = tensor(fill(D * 4 * H, () => 0), [D, 4 * H]);
    const Wh = tensor(fill(H * 4 * H, () => 0), [H, 4 * H]);
    // a_f = -80: f = σ(-80) ≈ 1.8e-35, so dprev_c = dc·f ≈ 1e-38 and da_f ≈ 5e-39 would be subnormal
    const b = tensor(fill(4 * H, (j) => (j >= H && j < 2 * H ? -80 : 0.5)), [4 * H]);
    const { cache } = layers.lstmStepForward(x, prevH, prevC, Wx, Wh, b);
    const dnext = tensor(fill(N * H, () => 1e-3), [N, H]);
    const g = layers.lstmStepBackward(dnext, dnext, cache);
    expect(Array.from(g.dprevC.data)).toEqual(fill(N * H, () => 0));
    expect(Array.from(g.db.data.slice(H, 2 * H))).toEqual(fill(H, () => 0));
    expect(Array.from(g.db.data.slice(0, H)).every((v) => Math.abs(v) > 1e-6)).toBe(true); // the other gates are normal
  });
});
