// PCA in wasm against a cyclic Jacobi eigensolver (test/support/jacobi.ts: f64, independent), plus the
// properties a projection must have.
import { beforeAll, describe, expect, it } from 'vitest';
import { LegacyRandom, RecapError, init, tensor, type Tensor } from '../../src/index.js';
import { applyPca, fitPca } from '../../src/data/pca.js';
import { jacobiEigenvalues } from '../support/jacobi.js';

beforeAll(() => init());

/** N rows of D correlated features: x = g·M + noise, g ~ N(0, 1)^R. */
function data(N: number, D: number, R: number, seed: number): Tensor {
  const rng = new LegacyRandom(seed);
  const M = rng.randnArray(R * D);
  const g = rng.randnArray(N * R);
  const noise = rng.randnArray(N * D);
  const x = new Float64Array(N * D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) {
    let s = 0.1 * noise[i * D + j] + 3;
    for (let r = 0; r < R; r++) s += g[i * R + r] * M[r * D + j] * (r + 1);
    x[i * D + j] = s;
  }
  return tensor(x, [N, D], 'float64');
}

function covariance(x: Tensor): Float64Array {
  const [N, D] = x.shape;
  const mean = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) mean[j] += x.data[i * D + j] / N;
  const c = new Float64Array(D * D);
  for (let i = 0; i < N; i++) for (let p = 0; p < D; p++) for (let q = 0; q < D; q++) c[p * D + q] += (x.data[i * D + p] - mean[p]) * (x.data[i * D + q] - mean[q]) / (N - 1);
  return c;
}

describe('fitPca / applyPca', () => {
  it('variances equal the covariance eigenvalues (Jacobi) to 1e-10; components orthonormal eigenvectors', () => {
    const x = data(300, 24, 5, 1);
    const K = 8;
    const pca = fitPca(x, K);
    const C = covariance(x);
    const ref = jacobiEigenvalues(C, 24, 1e-30);
    const V = pca.components.data;
    for (let j = 0; j < K; j++) {
      expect(Math.abs(pca.variances.data[j] - ref[j]) / ref[0]).toBeLessThan(1e-10);
      for (let i = 0; i < 24; i++) { // (C v − λ v)_i
        let s = 0;
        for (let q = 0; q < 24; q++) s += C[i * 24 + q] * V[q * K + j];
        expect(Math.abs(s - pca.variances.data[j] * V[i * K + j]) / ref[0]).toBeLessThan(1e-10);
      }
      for (let l = 0; l <= j; l++) {
        let s = 0;
        for (let i = 0; i < 24; i++) s += V[i * K + j] * V[i * K + l];
        expect(Math.abs(s - (j === l ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });

  it('projected training features: zero mean, covariance diag(variances); float32 in, float32 out', () => {
    const x64 = data(200, 16, 3, 2);
    const x = x64.clone('float32');
    const pca = fitPca(x, 4);
    const y = applyPca(pca, x);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([200, 4]);
    const y64 = applyPca(pca, x.clone('float64'));
    const c = covariance(y64);
    for (let p = 0; p < 4; p++) for (let q = 0; q < 4; q++) {
      expect(Math.abs(c[p * 4 + q] - (p === q ? pca.variances.data[p] : 0)) / pca.variances.data[0]).toBeLessThan(1e-9);
    }
    for (let i = 0; i < y.data.length; i++) expect(y.data[i]).toBe(Math.fround(y64.data[i]));
  });

  it('deterministic (bitwise) and validated', () => {
    const x = data(50, 10, 2, 3);
    const a = fitPca(x, 10), b = fitPca(x, 10);
    expect(Array.from(a.components.data)).toEqual(Array.from(b.components.data));
    expect(() => fitPca(x, 11)).toThrow(RecapError);
    expect(() => fitPca(tensor([1, 2, 3], [1, 3]), 1)).toThrow(/at least 2 rows/);
    const bad = x.clone();
    bad.data[7] = NaN;
    expect(() => fitPca(bad, 2)).toThrow(/features\[0, 7\]/);
    expect(() => applyPca(a, tensor([1, 2], [1, 2]))).toThrow(/PCA's input width/);
  });
});
