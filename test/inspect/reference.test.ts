// The inspection tools against float64 references composed independently from the CS231n step
// functions in numpy (scripts/make-inspect-fixtures.py → test/fixtures/inspect/*.json):
// gradient-flow norms, Jacobian singular values (SVD), ‖Wh‖₂, gate statistics, activations and
// attributions; float32 against the same numbers at float32 tolerance.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptioningRNN, activations, attribution, gateStats, gradientFlow, init, tensor, type DType, type Tensor } from '../../src/index.js';

beforeAll(() => init());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fixture = Record<string, any>;
const load = (cell: string): Fixture => JSON.parse(readFileSync(new URL(`../fixtures/inspect/${cell}.json`, import.meta.url), 'utf8'));

function setup(f: Fixture, dtype: DType) {
  const model = new CaptioningRNN({ wordToIdx: f.wordToIdx, inputDim: f.D, wordvecDim: f.W, hiddenDim: f.H, cellType: f.cell, dtype: dtype as 'float64' });
  const params: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(f.params as Record<string, { shape: number[]; data: number[] }>)) params[k] = tensor(v.data, v.shape, dtype);
  model.setParams(params);
  const features = tensor(f.features, [f.N, f.D], dtype);
  const captions = tensor(f.captions, [f.N, f.T + 1], 'int32');
  const row = (t: Tensor, n: number) => tensor(Array.from(t.data.subarray(0, n)), [1, n], t.dtype);
  return { model, features, captions, feature0: row(features, f.D), caption0: row(captions, f.T + 1) };
}

/** max |got − want| / max(|want|, tiny). */
function rel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let d = 0, s = 1e-300;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i] - want[i]));
    s = Math.max(s, Math.abs(want[i]));
  }
  return d / s;
}

for (const cell of ['rnn', 'lstm'] as const) {
  const f = load(cell);
  for (const dtype of ['float64', 'float32'] as const) {
    const tol = dtype === 'float64' ? 1e-9 : 2e-4;
    describe(`${cell} ${dtype}`, () => {
      it('gradientFlow: ‖∂L/∂h_t‖, ‖∂L/∂c_t‖, σ_max of the step Jacobians and ‖Wh‖₂ as numpy', () => {
        const { model, features, captions } = setup(f, dtype);
        for (const from of ['all', 'last'] as const) {
          const want = f.gradientFlow[from];
          const got = gradientFlow(model, features, captions, { from });
          expect(got.dh.length).toBe(f.T);
          expect(rel(got.dh, want.dh)).toBeLessThan(tol);
          expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(tol);
          if (cell === 'lstm') expect(rel(got.dc!, want.dc)).toBeLessThan(tol);
          else expect(got.dc).toBeUndefined();
          if (from === 'all') {
            expect(got.jacobianNorm.length).toBe(f.T - 1);
            expect(rel(got.jacobianNorm, want.jacobianNorm)).toBeLessThan(tol);
            expect(Math.abs(got.whNorm - want.whNorm) / want.whNorm).toBeLessThan(tol);
          }
        }
        model.dispose();
      });

      it('gateStats: saturation fractions exactly as numpy', () => {
        const { model, features, captions } = setup(f, dtype);
        const got = gateStats(model, features, captions);
        expect(got.steps).toBe(f.gateStats.steps);
        const names = cell === 'lstm' ? ['i', 'f', 'o'] as const : ['h'] as const;
        for (const k of names) {
          expect(Array.from(got[k]!.left)).toEqual(f.gateStats[k].left);
          expect(Array.from(got[k]!.right)).toEqual(f.gateStats[k].right);
        }
        model.dispose();
      });

      it('activations: the tracks of the forward pass', () => {
        const { model, feature0, caption0 } = setup(f, dtype);
        const got = activations(model, feature0, caption0);
        expect(got.words).toEqual(['<START>', 'a', 'red', 'circle', 'left', 'square']);
        expect(got.targets).toEqual(['a', 'red', 'circle', 'left', 'square', '<END>']);
        expect(got.h.shape).toEqual([f.T, f.H]);
        for (const k of cell === 'lstm' ? ['h', 'c', 'i', 'f', 'o', 'g'] as const : ['h'] as const) {
          expect(rel(got[k]!.data, f.activations[k])).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-5);
        }
        model.dispose();
      });

      it('attribution: grad×input and integrated gradients (Simpson) as numpy', () => {
        const { model, feature0, caption0 } = setup(f, dtype);
        const gi = attribution(model, feature0, caption0);
        expect(gi.features.shape).toEqual([f.T, f.D]);
        expect(gi.words.shape).toEqual([f.T, f.T]);
        expect(rel(gi.features.data, f.attribution.gradInput.features)).toBeLessThan(tol);
        expect(rel(gi.words.data, f.attribution.gradInput.words)).toBeLessThan(tol);
        expect(rel(gi.logProb, f.attribution.gradInput.logProb)).toBeLessThan(tol);
        const ig = attribution(model, feature0, caption0, { method: 'integrated', steps: f.attribution.steps });
        expect(rel(ig.features.data, f.attribution.integrated.features)).toBeLessThan(tol);
        expect(rel(ig.words.data, f.attribution.integrated.words)).toBeLessThan(tol);
        expect(rel(ig.baselineLogProb, f.attribution.integrated.baselineLogProb)).toBeLessThan(tol);
        model.dispose();
      });
    });
  }
}
