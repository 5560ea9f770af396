// PCA of image features, computed in wasm (assembly/pca.ts) in f64: fitted once on the training
// features, then the same projection x → (x − mean)·components is applied to every split (and to
// features of new images), as CS231n's `*_vgg16_fc7_pca.h5` were made.
//
// Cost for N rows of D0 features to K dimensions: the covariance 2·N·D0² flops (f64 GEMM, in row
// blocks), the tridiagonalisation ~2·D0³ multiply-adds, the K eigenvectors O(D0·K) plus 2·D0²·K
// flops to bring them back; memory D0²·8 bytes of wasm (128 MB for D0 = 4096). Deterministic:
// the mean and the scaling by 1/(N−1) are + and / in a fixed order, everything else runs in wasm.
import { RecapError, fail } from '../core/errors.js';
import { Scratch, withScratch } from '../core/memory.js';
import { kernels, scratch } from '../core/runtime.js';
import { Tensor } from '../core/tensor.js';
import type { PcaProjection } from './recapdata.js';

/** Progress of a PCA fit: the phase and how far it is (done of total). */
export type PcaProgress = (phase: 'covariance' | 'eigen' | 'project', done: number, total: number) => void;

/** Rows per block so that a block of f64 rows is about 4 MB. */
const blockRows = (D: number): number => Math.max(1, Math.floor((4 << 20) / (8 * D)));

function checkFeatures(name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) fail(name, 'a (N, D) float32 or float64 Tensor', typeof x);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') fail(name, 'dtype float32 or float64', x.dtype);
  if (x.shape.length !== 2) fail(name, 'shape (N, D)', `[${x.shape.join(', ')}]`);
}

/** Copies rows [r0, r0 + R) of x, minus mean, into the f64 wasm buffer at `dst`. */
function centeredRows(dst: Float64Array, x: Tensor, mean: Float64Array, r0: number, R: number): void {
  const D = mean.length;
  const src = x.data;
  for (let r = 0; r < R; r++) {
    const o = (r0 + r) * D;
    for (let j = 0; j < D; j++) dst[r * D + j] = src[o + j] - mean[j];
  }
}

/**
 * Fits a PCA to `features` (N, D0), N >= 2: the mean, and the top `dim` eigenvectors of the
 * covariance Σ (x − mean)ᵀ(x − mean) / (N − 1) with their variances, in decreasing order of
 * variance. Each component's largest-magnitude element is positive (a fixed sign). Needs `init()`.
 */
export function fitPca(features: Tensor, dim: number, onProgress?: PcaProgress): PcaProjection {
  checkFeatures('features', features);
  const [N, D] = features.shape;
  if (N < 2) fail('features', 'at least 2 rows (a covariance needs them)', `[${features.shape.join(', ')}]`);
  if (!Number.isSafeInteger(dim) || dim < 1 || dim > D) fail('dim', `an integer in [1, ${D}] (the features' width)`, dim);
  const src = features.data;
  for (let i = 0; i < src.length; i++) if (src[i] - src[i] !== 0) fail(`features[${Math.floor(i / D)}, ${i % D}]`, 'a finite number', src[i]);
  const mean = new Float64Array(D);
  for (let r = 0; r < N; r++) for (let j = 0; j < D; j++) mean[j] += src[r * D + j];
  for (let j = 0; j < D; j++) mean[j] /= N;
  const k = kernels();
  return withScratch((s: Scratch) => {
    const B = Math.min(N, blockRows(D));
    const cov = s.alloc('float64', D * D);
    const xb = s.alloc('float64', B * D);
    const [d, e, tau, p, w, lamAll, e2] = Array.from({ length: 7 }, () => s.alloc('float64', D));
    const lam = s.alloc('float64', dim);
    const z = s.alloc('float64', dim * D);
    const work = s.alloc('float64', 5 * D);
    const s4 = s.alloc('float64', 4);
    for (let r0 = 0; r0 < N; r0 += B) {
      const R = Math.min(B, N - r0);
      centeredRows(xb.view() as Float64Array, features, mean, r0, R);
      k.f64_gemm_tn(cov.ptr, xb.ptr, xb.ptr, D, D, R, D, D, D, r0 === 0 ? 0 : 1, scratch());
      onProgress?.('covariance', r0 + R, N);
    }
    const c = cov.view() as Float64Array;
    for (let i = 0; i < c.length; i++) c[i] /= N - 1;
    onProgress?.('eigen', 0, 3);
    k.f64_sym_tridiagonalize(d.ptr, e.ptr, tau.ptr, cov.ptr, p.ptr, w.ptr, D);
    onProgress?.('eigen', 1, 3);
    (lamAll.view() as Float64Array).set(d.view());
    (e2.view() as Float64Array).set(e.view());
    const bad = k.f64_tridiag_eigenvalues(lamAll.ptr, e2.ptr, D);
    if (bad !== 0) throw new RecapError('features', 'a covariance whose eigenvalues converge', `no convergence at eigenvalue ${bad - 1}`);
    const sorted = Float64Array.from(lamAll.view()).sort().reverse();
    (lam.view() as Float64Array).set(sorted.subarray(0, dim));
    const failures = k.f64_tridiag_eigenvectors(z.ptr, work.ptr, d.ptr, e.ptr, lam.ptr, dim, D);
    if (failures !== 0) throw new RecapError('features', 'a covariance whose eigenvectors converge', `${failures} of ${dim} did not converge`);
    onProgress?.('eigen', 2, 3);
    k.f64_householder_apply(z.ptr, cov.ptr, tau.ptr, s4.ptr, dim, D);
    onProgress?.('eigen', 3, 3);
    const zv = z.view() as Float64Array;
    const components = new Float64Array(D * dim); // (D, K): column j = eigenvector j
    for (let j = 0; j < dim; j++) {
      let big = 0;
      for (let i = 1; i < D; i++) if (Math.abs(zv[j * D + i]) > Math.abs(zv[j * D + big])) big = i;
      const sign = zv[j * D + big] < 0 ? -1 : 1;
      for (let i = 0; i < D; i++) components[i * dim + j] = sign * zv[j * D + i];
    }
    return {
      mean: new Tensor(mean, [D]),
      components: new Tensor(components, [D, dim]),
      variances: new Tensor(Float64Array.from(lam.view()), [dim]),
    };
  });
}

/**
 * Projects `features` (N, D0) with a fitted PCA: (x − mean)·components, (N, K) in the
 * features' dtype (computed in f64, then rounded). Needs `init()`.
 */
export function applyPca(pca: PcaProjection, features: Tensor, onProgress?: PcaProgress): Tensor {
  checkFeatures('features', features);
  if (pca === null || typeof pca !== 'object' || !(pca.components instanceof Tensor) || !(pca.mean instanceof Tensor) || pca.components.shape.length !== 2) {
    fail('pca', 'a PcaProjection { mean, components, variances }', pca);
  }
  const [D, K] = pca.components.shape;
  const [N, D0] = features.shape;
  if (D0 !== D) throw new RecapError('features', `shape (N, ${D}) (the PCA's input width)`, `[${features.shape.join(', ')}]`);
  const out = features.dtype === 'float64' ? new Float64Array(N * K) : new Float32Array(N * K);
  if (N === 0) return new Tensor(out, [0, K]);
  const mean = pca.mean.data as Float64Array;
  const k = kernels();
  withScratch((s: Scratch) => {
    const B = Math.min(N, blockRows(Math.max(D, K)));
    const comps = s.from(pca.components, 'float64');
    const xb = s.alloc('float64', B * D);
    const yb = s.alloc('float64', B * K);
    for (let r0 = 0; r0 < N; r0 += B) {
      const R = Math.min(B, N - r0);
      centeredRows(xb.view() as Float64Array, features, mean, r0, R);
      k.f64_gemm_nn(yb.ptr, xb.ptr, comps.ptr, R, K, D, D, K, K, 0, scratch());
      out.set((yb.view() as Float64Array).subarray(0, R * K), r0 * K);
      onProgress?.('project', r0 + R, N);
    }
  });
  return new Tensor(out, [N, K]);
}
