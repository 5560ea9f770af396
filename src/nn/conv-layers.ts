// layers.*: the convolutional functions of CS231n `layers.py` (conv, max pool, ReLU, spatial
// batchnorm) and the sigmoid as an output layer, one wasm kernel call each (assembly/conv.ts,
// pool.ts, batchnorm.ts).
// Shapes are CS231n's NCHW: N batch, C channels, H x W image, F filters of HH x WW,
// Ho x Wo output. Inputs are copied into wasm memory, outputs copied out into the caller's tensors.
import { Dims, checkNumber, checkPositiveInt } from '../core/check.js';
import { RecapError, fail } from '../core/errors.js';
import { scratch } from '../core/runtime.js';
import { Tensor, allocTyped, checkTensor, type FloatDType } from '../core/tensor.js';
import type { FloatKernels } from '../core/kernels.js';
import { type Cache, cacheDims, call, floats, open, out, saved } from './layer-call.js';

/** CS231n's conv_param. */
export interface ConvParam {
  /** Step between neighbouring windows (default 1). */
  stride?: number;
  /** Zeros added on every side of H and W (default 0). */
  pad?: number;
}

/** CS231n's pool_param. */
export interface PoolParam {
  poolHeight: number;
  poolWidth: number;
  stride: number;
}

/**
 * CS231n's bn_param. The call stores the running statistics it used or updated back into
 * `runningMean` / `runningVar` (new tensors; the ones passed in are not written), as the
 * assignment's dict: missing ones start as zeros.
 */
export interface BatchnormParam {
  mode: 'train' | 'test';
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** running = momentum·running + (1 − momentum)·batch statistic (default 0.9). */
  momentum?: number;
  runningMean?: Tensor;
  runningVar?: Tensor;
}

const MAX_SIDE = 2 ** 24;

/** A param object: undefined (when allowed) or a plain object, never another value. */
function paramObject(name: string, v: unknown, optional: boolean): Record<string, unknown> {
  if (v === undefined && optional) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Tensor) fail(name, 'an object', v);
  return v as Record<string, unknown>;
}

/** An integer in [0, MAX_SIDE] (a padding). */
function checkNonNegativeInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_SIDE) fail(name, `an integer in [0, ${MAX_SIDE}]`, v);
  return v;
}

/** (size + 2·pad − window) / stride + 1 when the division is exact and the window fits, else a typed error (CS231n's assert). */
function outputSize(param: string, side: string, size: number, pad: number, window: number, stride: number): number {
  const span = size + 2 * pad - window;
  if (span < 0 || span % stride !== 0) {
    throw new RecapError(param, `an integer output size 1 + (${side} + 2·pad − window) / stride`,
      `1 + (${size} + ${2 * pad} − ${window}) / ${stride} = ${1 + span / stride}`);
  }
  return span / stride + 1;
}

// ---------------------------------------------------------------------------------------------
// convolution: out[n, f] = b[f] + Σ_{c,i,j} x_pad[n, c, ho·stride + i, wo·stride + j]·w[f, c, i, j]

export function convForward(x: Tensor, w: Tensor, b: Tensor, convParam?: ConvParam): { out: Tensor; cache: Cache } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'C', 'H', 'W']);
  dims.bind('w', w, ['F', 'C', 'HH', 'WW']);
  dims.bind('b', b, ['F']);
  const p = paramObject('convParam', convParam, true);
  const stride = p.stride === undefined ? 1 : checkPositiveInt('convParam.stride', p.stride, MAX_SIDE);
  const pad = p.pad === undefined ? 0 : checkNonNegativeInt('convParam.pad', p.pad);
  const [N, C, H, W, F, HH, WW] = ['N', 'C', 'H', 'W', 'F', 'HH', 'WW'].map((l) => dims.get(l));
  const Ho = outputSize('convParam', 'H', H, pad, HH, stride);
  const Wo = outputSize('convParam', 'W', W, pad, WW, stride);
  const dtype = floats({ x, w, b });
  const K = C * HH * WW, P = Ho * Wo;
  const o = call('convForward', dtype, x.size + 2 * w.size + F + N * F * P + K * P, (k, s) => {
    const o = s.alloc(dtype, N * F * P);
    const cols = s.alloc(dtype, K * P);
    const wt = s.alloc(dtype, K * F);
    k.conv_forward(o.ptr, cols.ptr, wt.ptr, s.from(x).ptr, s.from(w).ptr, s.from(b).ptr, N, C, H, W, F, HH, WW, stride, pad, scratch());
    return out(o, [N, F, Ho, Wo]);
  });
  return { out: o, cache: saved('convForward', dtype, { x, w }, { N, C, H, W, F, HH, WW, stride, pad, Ho, Wo }) };
}

export function convBackward(dout: Tensor, cache: Cache): { dx: Tensor; dw: Tensor; db: Tensor } {
  const c = open(cache, 'convForward');
  const { N, C, H, W, F, HH, WW, stride, pad, Ho, Wo } = c.dims;
  cacheDims({ N, F, Ho, Wo }).bind('dout', dout, ['N', 'F', 'Ho', 'Wo']);
  floats({ dout, x: c.t.x });
  const K = C * HH * WW, P = Ho * Wo;
  return call('convBackward', c.dtype, 2 * N * C * H * W + 2 * F * K + F + N * F * P + 2 * K * P, (k, s) => {
    const dx = s.alloc(c.dtype, N * C * H * W);
    const dw = s.alloc(c.dtype, F * K, true);
    const db = s.alloc(c.dtype, F, true);
    const cols = s.alloc(c.dtype, K * P);
    const dcols = s.alloc(c.dtype, K * P);
    k.conv_backward(dx.ptr, dw.ptr, db.ptr, cols.ptr, dcols.ptr, s.from(dout).ptr, s.from(c.t.x).ptr, s.from(c.t.w).ptr,
      N, C, H, W, F, HH, WW, stride, pad, scratch());
    return { dx: out(dx, [N, C, H, W]), dw: out(dw, [F, C, HH, WW]), db: out(db, [F]) };
  });
}

// ---------------------------------------------------------------------------------------------
// max pooling: out[n, c, ho, wo] = max of the poolHeight x poolWidth window at (ho·stride, wo·stride)

export function maxPoolForward(x: Tensor, poolParam: PoolParam): { out: Tensor; cache: Cache } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'C', 'H', 'W']);
  const p = paramObject('poolParam', poolParam, false);
  const ph = checkPositiveInt('poolParam.poolHeight', p.poolHeight, MAX_SIDE);
  const pw = checkPositiveInt('poolParam.poolWidth', p.poolWidth, MAX_SIDE);
  const stride = checkPositiveInt('poolParam.stride', p.stride, MAX_SIDE);
  const [N, C, H, W] = ['N', 'C', 'H', 'W'].map((l) => dims.get(l));
  const Ho = outputSize('poolParam', 'H', H, 0, ph, stride);
  const Wo = outputSize('poolParam', 'W', W, 0, pw, stride);
  const dtype = floats({ x });
  const r = call('maxPoolForward', dtype, x.size + 2 * N * C * Ho * Wo, (k, s) => {
    const o = s.alloc(dtype, N * C * Ho * Wo);
    const idx = s.alloc('int32', N * C * Ho * Wo);
    k.max_pool_forward(o.ptr, idx.ptr, s.from(x).ptr, N * C, H, W, ph, pw, stride);
    return { out: out(o, [N, C, Ho, Wo]), idx: out(idx, [N, C, Ho, Wo]) };
  });
  return { out: r.out, cache: saved('maxPoolForward', dtype, { idx: r.idx }, { N, C, H, W, Ho, Wo }) };
}

export function maxPoolBackward(dout: Tensor, cache: Cache): { dx: Tensor } {
  const c = open(cache, 'maxPoolForward');
  const { N, C, H, W, Ho, Wo } = c.dims;
  cacheDims({ N, C, Ho, Wo }).bind('dout', dout, ['N', 'C', 'Ho', 'Wo']);
  if (dout.dtype !== c.dtype) fail('dout', `dtype ${c.dtype} (as x)`, dout.dtype);
  floats({ dout });
  return call('maxPoolBackward', c.dtype, N * C * H * W + 2 * N * C * Ho * Wo, (k, s) => {
    const dx = s.alloc(c.dtype, N * C * H * W);
    k.max_pool_backward(dx.ptr, s.from(dout).ptr, s.from(c.t.idx).ptr, N * C, H * W, Ho * Wo);
    return { dx: out(dx, [N, C, H, W]) };
  });
}

// ---------------------------------------------------------------------------------------------
// Elementwise layers, any shape: ReLU, out = max(x, 0), backward from the input; sigmoid,
// out = σ(x) (the LSTM's stable form, rnn_layers.py's sigmoid), backward from the output:
// dx = dout·(out·(1 − out))

const axes = (t: Tensor) => t.shape.map((_, i) => `d${i}`);

/** out = kernel(x) of any shape; the cache keeps x or out under `keep`, what the backward reads. */
function elementwiseForward(fn: string, x: Tensor, keep: 'x' | 'out',
                            kernel: (k: FloatKernels, out: number, x: number, n: number) => void): { out: Tensor; cache: Cache } {
  checkTensor('x', x);
  new Dims().bind('x', x, axes(x));
  const dtype = floats({ x });
  const o = call(fn, dtype, 2 * x.size, (k, s) => {
    const o = s.alloc(dtype, x.size);
    kernel(k, o.ptr, s.from(x).ptr, x.size);
    return out(o, x.shape);
  });
  return { out: o, cache: saved(fn, dtype, { [keep]: keep === 'x' ? x : o }, {}) };
}

/** dx = kernel(dout, kept) for the cache of `forward`, which kept x or out under `keep`; dout of its shape. */
function elementwiseBackward(fn: string, forward: string, keep: 'x' | 'out', dout: Tensor, cache: Cache,
                             kernel: (k: FloatKernels, dx: number, dout: number, kept: number, n: number) => void): { dx: Tensor } {
  const c = open(cache, forward);
  const t = c.t[keep];
  const known: Record<string, number> = {};
  t.shape.forEach((size, i) => (known[`d${i}`] = size));
  cacheDims(known).bind('dout', dout, axes(t));
  floats({ dout, [keep]: t });
  return call(fn, c.dtype, 3 * t.size, (k, s) => {
    const dx = s.alloc(c.dtype, t.size);
    kernel(k, dx.ptr, s.from(dout).ptr, s.from(t).ptr, t.size);
    return { dx: out(dx, t.shape) };
  });
}

export function reluForward(x: Tensor): { out: Tensor; cache: Cache } {
  return elementwiseForward('reluForward', x, 'x', (k, o, xp, n) => k.relu_forward(o, xp, n));
}

export function reluBackward(dout: Tensor, cache: Cache): { dx: Tensor } {
  return elementwiseBackward('reluBackward', 'reluForward', 'x', dout, cache, (k, dx, d, xp, n) => k.relu_backward(dx, d, xp, n));
}

export function sigmoidForward(x: Tensor): { out: Tensor; cache: Cache } {
  return elementwiseForward('sigmoidForward', x, 'out', (k, o, xp, n) => k.sigmoid_forward(o, xp, n));
}

export function sigmoidBackward(dout: Tensor, cache: Cache): { dx: Tensor } {
  return elementwiseBackward('sigmoidBackward', 'sigmoidForward', 'out', dout, cache, (k, dx, d, o, n) => k.sigmoid_backward(dx, d, o, n));
}

// ---------------------------------------------------------------------------------------------
// spatial batchnorm: CS231n's batchnorm over the N·H·W values of each channel

function checkBnParam(bnParam: unknown, C: number, dtype: FloatDType) {
  const p = paramObject('bnParam', bnParam, false);
  if (p.mode !== 'train' && p.mode !== 'test') fail('bnParam.mode', "'train' or 'test'", p.mode);
  const eps = p.eps === undefined ? 1e-5 : checkNumber('bnParam.eps', p.eps, Number.MIN_VALUE);
  const momentum = p.momentum === undefined ? 0.9 : checkNumber('bnParam.momentum', p.momentum, 0, 1);
  const running = (name: 'runningMean' | 'runningVar'): Tensor | undefined => {
    const t = p[name];
    if (t === undefined) return undefined;
    const dims = new Dims();
    dims.set('C', C, 'x');
    dims.bind(`bnParam.${name}`, t, ['C']);
    floats({ [`bnParam.${name}`]: t as Tensor });
    if ((t as Tensor).dtype !== dtype) fail(`bnParam.${name}`, `dtype ${dtype} (as x)`, (t as Tensor).dtype);
    return t as Tensor;
  };
  const runningMean = running('runningMean');
  const runningVar = running('runningVar');
  runningVar?.data.forEach((v, i) => { if (v < 0) fail(`bnParam.runningVar[${i}]`, 'a variance >= 0', v); });
  return { train: p.mode === 'train', eps, momentum, runningMean, runningVar };
}

export function spatialBatchnormForward(x: Tensor, gamma: Tensor, beta: Tensor, bnParam: BatchnormParam): { out: Tensor; cache: Cache } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'C', 'H', 'W']);
  dims.bind('gamma', gamma, ['C']);
  dims.bind('beta', beta, ['C']);
  const [N, C, H, W] = ['N', 'C', 'H', 'W'].map((l) => dims.get(l));
  const dtype = floats({ x, gamma, beta });
  const bp = checkBnParam(bnParam, C, dtype);
  const zeros = () => new Tensor(allocTyped(dtype, C), [C]);
  const r = call('spatialBatchnormForward', dtype, 2 * x.size + 6 * C, (k, s) => {
    const o = s.alloc(dtype, x.size);
    const mean = s.alloc(dtype, C);
    const invStd = s.alloc(dtype, C);
    const rm = bp.runningMean ? s.from(bp.runningMean) : s.alloc(dtype, C, true);
    const rv = bp.runningVar ? s.from(bp.runningVar) : s.alloc(dtype, C, true);
    k.spatial_batchnorm_forward(o.ptr, mean.ptr, invStd.ptr, rm.ptr, rv.ptr, s.from(x).ptr, s.from(gamma).ptr, s.from(beta).ptr,
      N, C, H * W, 0, C, bp.eps, bp.momentum, bp.train ? 1 : 0);
    return {
      out: out(o, [N, C, H, W]), mean: out(mean, [C]), invStd: out(invStd, [C]),
      runningMean: bp.train ? out(rm, [C]) : bp.runningMean ?? zeros(),
      runningVar: bp.train ? out(rv, [C]) : bp.runningVar ?? zeros(),
    };
  });
  bnParam.runningMean = r.runningMean;
  bnParam.runningVar = r.runningVar;
  const cache = saved('spatialBatchnormForward', dtype, { x, gamma, mean: r.mean, invStd: r.invStd }, { N, C, H, W, train: bp.train ? 1 : 0 });
  return { out: r.out, cache };
}

export function spatialBatchnormBackward(dout: Tensor, cache: Cache): { dx: Tensor; dgamma: Tensor; dbeta: Tensor } {
  const c = open(cache, 'spatialBatchnormForward');
  const { N, C, H, W, train } = c.dims;
  cacheDims({ N, C, H, W }).bind('dout', dout, ['N', 'C', 'H', 'W']);
  floats({ dout, x: c.t.x });
  const t = c.t;
  return call('spatialBatchnormBackward', c.dtype, 3 * N * C * H * W + 5 * C, (k, s) => {
    const dx = s.alloc(c.dtype, N * C * H * W);
    const dgamma = s.alloc(c.dtype, C, true);
    const dbeta = s.alloc(c.dtype, C, true);
    k.spatial_batchnorm_backward(dx.ptr, dgamma.ptr, dbeta.ptr, s.from(dout).ptr, s.from(t.x).ptr, s.from(t.gamma).ptr,
      s.from(t.mean).ptr, s.from(t.invStd).ptr, N, C, H * W, 0, C, train);
    return { dx: out(dx, [N, C, H, W]), dgamma: out(dgamma, [C]), dbeta: out(dbeta, [C]) };
  });
}
