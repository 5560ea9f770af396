// layers.*: the functions of CS231n `rnn_layers.py` (and, from conv-layers.ts, the convolutional
// ones of `layers.py`), one wasm kernel call each.
// Shapes: N batch, T time, D input, H hidden, V vocab, M output. Inputs are copied into wasm
// memory, the kernel runs, outputs are copied out into tensors the caller owns.
import { Dims, checkIds, checkMask } from '../core/check.js';
import { RecapError, fail } from '../core/errors.js';
import { scratch } from '../core/runtime.js';
import { Tensor, checkTensor, sizeOf } from '../core/tensor.js';
import { type Cache, cacheDims, call, floats, open, out, saved } from './layer-call.js';

export type { Cache };
export * from './conv-layers.js';

// ---------------------------------------------------------------------------------------------
// affine: out = x·w + b, x reshaped to (N, D) as CS231n does

export function affineForward(x: Tensor, w: Tensor, b: Tensor): { out: Tensor; cache: Cache } {
  checkTensor('x', x);
  if (x.shape.length < 2) fail('x', 'shape (N, d1, ..., dk)', `[${x.shape.join(', ')}]`);
  const dims = new Dims();
  const N = x.shape[0];
  const D = sizeOf(x.shape.slice(1));
  const x2 = dims.bind('x', x.reshape([N, D]), ['N', 'D']);
  dims.bind('w', w, ['D', 'M']);
  dims.bind('b', b, ['M']);
  const M = dims.get('M');
  const dtype = floats({ x, w, b });
  const result = call('affineForward', dtype, x.size + w.size + b.size + N * M, (k, s) => {
    const o = s.alloc(dtype, N * M);
    k.affine_forward(o.ptr, s.from(x2).ptr, s.from(w).ptr, s.from(b).ptr, N, D, M, scratch());
    return out(o, [N, M]);
  });
  return { out: result, cache: saved('affineForward', dtype, { x, w }, { N, D, M }) };
}

export function affineBackward(dout: Tensor, cache: Cache): { dx: Tensor; dw: Tensor; db: Tensor } {
  const c = open(cache, 'affineForward');
  const { N, D, M } = c.dims;
  const dims = cacheDims({ N, M });
  dims.bind('dout', dout, ['N', 'M']);
  floats({ dout, x: c.t.x });
  return call('affineBackward', c.dtype, 2 * N * D + 2 * D * M + M + N * M, (k, s) => {
    const dx = s.alloc(c.dtype, N * D);
    const dw = s.alloc(c.dtype, D * M, true);
    const db = s.alloc(c.dtype, M, true);
    k.affine_backward(dx.ptr, dw.ptr, db.ptr, s.from(dout).ptr, s.from(c.t.x).ptr, s.from(c.t.w).ptr, N, D, M, scratch());
    return { dx: out(dx, c.t.x.shape), dw: out(dw, [D, M]), db: out(db, [M]) };
  });
}

// ---------------------------------------------------------------------------------------------
// vanilla RNN

export function rnnStepForward(x: Tensor, prevH: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor): { nextH: Tensor; cache: Cache } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'D']);
  dims.bind('prevH', prevH, ['N', 'H']);
  dims.bind('Wx', Wx, ['D', 'H']);
  dims.bind('Wh', Wh, ['H', 'H']);
  dims.bind('b', b, ['H']);
  const [N, D, H] = ['N', 'D', 'H'].map((l) => dims.get(l));
  const dtype = floats({ x, prevH, Wx, Wh, b });
  const r = call('rnnStepForward', dtype, N * D + 3 * N * H + D * H + H * H + H, (k, s) => {
    const nextH = s.alloc(dtype, N * H);
    const dtanh = s.alloc(dtype, N * H);
    k.rnn_step_forward(nextH.ptr, dtanh.ptr, s.from(x).ptr, s.from(prevH).ptr, s.from(Wx).ptr, s.from(Wh).ptr, s.from(b).ptr, N, D, H, scratch());
    return { nextH: out(nextH, [N, H]), dtanh: out(dtanh, [N, H]) };
  });
  return { nextH: r.nextH, cache: saved('rnnStepForward', dtype, { x, prevH, Wx, Wh, dtanh: r.dtanh }, { N, D, H }) };
}

export function rnnStepBackward(dnextH: Tensor, cache: Cache): { dx: Tensor; dprevH: Tensor; dWx: Tensor; dWh: Tensor; db: Tensor } {
  const c = open(cache, 'rnnStepForward');
  const { N, D, H } = c.dims;
  const dims = cacheDims({ N, H });
  dims.bind('dnextH', dnextH, ['N', 'H']);
  floats({ dnextH, x: c.t.x });
  const t = c.t;
  return call('rnnStepBackward', c.dtype, 2 * N * D + 5 * N * H + 2 * D * H + 2 * H * H + H, (k, s) => {
    const dx = s.alloc(c.dtype, N * D);
    const dprevH = s.alloc(c.dtype, N * H);
    const dWx = s.alloc(c.dtype, D * H, true);
    const dWh = s.alloc(c.dtype, H * H, true);
    const db = s.alloc(c.dtype, H, true);
    const da = s.alloc(c.dtype, N * H);
    k.rnn_step_backward(dx.ptr, dprevH.ptr, dWx.ptr, dWh.ptr, db.ptr, da.ptr, s.from(dnextH).ptr, s.from(t.dtanh).ptr,
      s.from(t.x).ptr, s.from(t.prevH).ptr, s.from(t.Wx).ptr, s.from(t.Wh).ptr, N, D, H, scratch());
    return { dx: out(dx, [N, D]), dprevH: out(dprevH, [N, H]), dWx: out(dWx, [D, H]), dWh: out(dWh, [H, H]), db: out(db, [H]) };
  });
}

export function rnnForward(x: Tensor, h0: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor): { h: Tensor; cache: Cache } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'T', 'D']);
  dims.bind('h0', h0, ['N', 'H']);
  dims.bind('Wx', Wx, ['D', 'H']);
  dims.bind('Wh', Wh, ['H', 'H']);
  dims.bind('b', b, ['H']);
  const [N, T, D, H] = ['N', 'T', 'D', 'H'].map((l) => dims.get(l));
  const dtype = floats({ x, h0, Wx, Wh, b });
  const r = call('rnnForward', dtype, N * T * D + 2 * N * T * H + N * H + D * H + H * H + H, (k, s) => {
    const h = s.alloc(dtype, N * T * H);
    const dtanh = s.alloc(dtype, N * T * H);
    k.rnn_forward(h.ptr, dtanh.ptr, s.from(x).ptr, s.from(h0).ptr, s.from(Wx).ptr, s.from(Wh).ptr, s.from(b).ptr, N, T, D, H, scratch());
    return { h: out(h, [N, T, H]), dtanh: out(dtanh, [N, T, H]) };
  });
  return { h: r.h, cache: saved('rnnForward', dtype, { x, h0, Wx, Wh, h: r.h, dtanh: r.dtanh }, { N, T, D, H }) };
}

export function rnnBackward(dh: Tensor, cache: Cache): { dx: Tensor; dh0: Tensor; dWx: Tensor; dWh: Tensor; db: Tensor } {
  const c = open(cache, 'rnnForward');
  const { N, T, D, H } = c.dims;
  const dims = cacheDims({ N, T, H });
  dims.bind('dh', dh, ['N', 'T', 'H']);
  floats({ dh, x: c.t.x });
  const t = c.t;
  return call('rnnBackward', c.dtype, 2 * N * T * D + 4 * N * T * H + 2 * N * H + 2 * D * H + 2 * H * H + H, (k, s) => {
    const dx = s.alloc(c.dtype, N * T * D);
    const dh0 = s.alloc(c.dtype, N * H);
    const dWx = s.alloc(c.dtype, D * H, true);
    const dWh = s.alloc(c.dtype, H * H, true);
    const db = s.alloc(c.dtype, H, true);
    const da = s.alloc(c.dtype, N * T * H);
    k.rnn_backward(dx.ptr, dh0.ptr, dWx.ptr, dWh.ptr, db.ptr, da.ptr, s.from(dh).ptr, s.from(t.dtanh).ptr,
      s.from(t.x).ptr, s.from(t.h0).ptr, s.from(t.h).ptr, s.from(t.Wx).ptr, s.from(t.Wh).ptr, N, T, D, H, scratch());
    return { dx: out(dx, [N, T, D]), dh0: out(dh0, [N, H]), dWx: out(dWx, [D, H]), dWh: out(dWh, [H, H]), db: out(db, [H]) };
  });
}

// ---------------------------------------------------------------------------------------------
// LSTM, gates [i | f | o | g] along 4H

function lstmWeights(dims: Dims, Wx: Tensor, Wh: Tensor, b: Tensor): void {
  dims.bind('Wx', Wx, ['D', 'G']);
  dims.bind('Wh', Wh, ['H', 'G']);
  dims.bind('b', b, ['G']);
  const G = dims.get('G');
  const H = dims.get('H');
  if (G !== 4 * H) throw new RecapError('Wx', `shape (D, 4H) with 4H=${4 * H} (H from prevH/h0)`, `[${Wx.shape.join(', ')}]`);
}

export function lstmStepForward(x: Tensor, prevH: Tensor, prevC: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor): { nextH: Tensor; nextC: Tensor; cache: Cache } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'D']);
  dims.bind('prevH', prevH, ['N', 'H']);
  dims.bind('prevC', prevC, ['N', 'H']);
  lstmWeights(dims, Wx, Wh, b);
  const [N, D, H] = ['N', 'D', 'H'].map((l) => dims.get(l));
  const dtype = floats({ x, prevH, prevC, Wx, Wh, b });
  const r = call('lstmStepForward', dtype, N * D + 8 * N * H + 8 * N * H + 4 * D * H + 4 * H * H + 4 * H, (k, s) => {
    const nextH = s.alloc(dtype, N * H);
    const nextC = s.alloc(dtype, N * H);
    const gates = s.alloc(dtype, N * 4 * H);
    const dgates = s.alloc(dtype, N * 4 * H);
    const tanhC = s.alloc(dtype, N * H);
    const dtanhC = s.alloc(dtype, N * H);
    k.lstm_step_forward(nextH.ptr, nextC.ptr, gates.ptr, dgates.ptr, tanhC.ptr, dtanhC.ptr,
      s.from(x).ptr, s.from(prevH).ptr, s.from(prevC).ptr, s.from(Wx).ptr, s.from(Wh).ptr, s.from(b).ptr, N, D, H, scratch());
    return {
      nextH: out(nextH, [N, H]), nextC: out(nextC, [N, H]), gates: out(gates, [N, 4 * H]),
      dgates: out(dgates, [N, 4 * H]), tanhC: out(tanhC, [N, H]), dtanhC: out(dtanhC, [N, H]),
    };
  });
  const cache = saved('lstmStepForward', dtype,
    { x, prevH, prevC, Wx, Wh, gates: r.gates, dgates: r.dgates, tanhC: r.tanhC, dtanhC: r.dtanhC }, { N, D, H });
  return { nextH: r.nextH, nextC: r.nextC, cache };
}

export function lstmStepBackward(dnextH: Tensor, dnextC: Tensor, cache: Cache): { dx: Tensor; dprevH: Tensor; dprevC: Tensor; dWx: Tensor; dWh: Tensor; db: Tensor } {
  const c = open(cache, 'lstmStepForward');
  const { N, D, H } = c.dims;
  const dims = cacheDims({ N, H });
  dims.bind('dnextH', dnextH, ['N', 'H']);
  dims.bind('dnextC', dnextC, ['N', 'H']);
  floats({ dnextH, dnextC, x: c.t.x });
  const t = c.t;
  return call('lstmStepBackward', c.dtype, 2 * N * D + 18 * N * H + 8 * D * H + 8 * H * H + 4 * H, (k, s) => {
    const dx = s.alloc(c.dtype, N * D);
    const dprevH = s.alloc(c.dtype, N * H);
    const dprevC = s.alloc(c.dtype, N * H);
    const dWx = s.alloc(c.dtype, D * 4 * H, true);
    const dWh = s.alloc(c.dtype, H * 4 * H, true);
    const db = s.alloc(c.dtype, 4 * H, true);
    const da = s.alloc(c.dtype, N * 4 * H);
    k.lstm_step_backward(dx.ptr, dprevH.ptr, dprevC.ptr, dWx.ptr, dWh.ptr, db.ptr, da.ptr,
      s.from(dnextH).ptr, s.from(dnextC).ptr, s.from(t.gates).ptr, s.from(t.dgates).ptr, s.from(t.tanhC).ptr,
      s.from(t.dtanhC).ptr, s.from(t.x).ptr, s.from(t.prevH).ptr, s.from(t.prevC).ptr, s.from(t.Wx).ptr, s.from(t.Wh).ptr, N, D, H, scratch());
    return {
      dx: out(dx, [N, D]), dprevH: out(dprevH, [N, H]), dprevC: out(dprevC, [N, H]),
      dWx: out(dWx, [D, 4 * H]), dWh: out(dWh, [H, 4 * H]), db: out(db, [4 * H]),
    };
  });
}

export function lstmForward(x: Tensor, h0: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor): { h: Tensor; cache: Cache } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'T', 'D']);
  dims.bind('h0', h0, ['N', 'H']);
  lstmWeights(dims, Wx, Wh, b);
  const [N, T, D, H] = ['N', 'T', 'D', 'H'].map((l) => dims.get(l));
  const dtype = floats({ x, h0, Wx, Wh, b });
  const r = call('lstmForward', dtype, N * T * D + 12 * N * T * H + N * H + 4 * D * H + 4 * H * H + 4 * H, (k, s) => {
    const h = s.alloc(dtype, N * T * H);
    const c = s.alloc(dtype, N * T * H);
    const gates = s.alloc(dtype, N * T * 4 * H);
    const dgates = s.alloc(dtype, N * T * 4 * H);
    const tanhC = s.alloc(dtype, N * T * H);
    const dtanhC = s.alloc(dtype, N * T * H);
    k.lstm_forward(h.ptr, c.ptr, gates.ptr, dgates.ptr, tanhC.ptr, dtanhC.ptr,
      s.from(x).ptr, s.from(h0).ptr, s.from(Wx).ptr, s.from(Wh).ptr, s.from(b).ptr, N, T, D, H, scratch());
    return {
      h: out(h, [N, T, H]), c: out(c, [N, T, H]), gates: out(gates, [N, T, 4 * H]),
      dgates: out(dgates, [N, T, 4 * H]), tanhC: out(tanhC, [N, T, H]), dtanhC: out(dtanhC, [N, T, H]),
    };
  });
  const cache = saved('lstmForward', dtype,
    { x, h0, Wx, Wh, h: r.h, c: r.c, gates: r.gates, dgates: r.dgates, tanhC: r.tanhC, dtanhC: r.dtanhC }, { N, T, D, H });
  return { h: r.h, cache };
}

export function lstmBackward(dh: Tensor, cache: Cache): { dx: Tensor; dh0: Tensor; dWx: Tensor; dWh: Tensor; db: Tensor } {
  const c = open(cache, 'lstmForward');
  const { N, T, D, H } = c.dims;
  const dims = cacheDims({ N, T, H });
  dims.bind('dh', dh, ['N', 'T', 'H']);
  floats({ dh, x: c.t.x });
  const t = c.t;
  return call('lstmBackward', c.dtype, 2 * N * T * D + 17 * N * T * H + 3 * N * H + 8 * D * H + 8 * H * H + 4 * H, (k, s) => {
    const dx = s.alloc(c.dtype, N * T * D);
    const dh0 = s.alloc(c.dtype, N * H);
    const dWx = s.alloc(c.dtype, D * 4 * H, true);
    const dWh = s.alloc(c.dtype, H * 4 * H, true);
    const db = s.alloc(c.dtype, 4 * H, true);
    const da = s.alloc(c.dtype, N * T * 4 * H);
    const dc = s.alloc(c.dtype, N * H);
    k.lstm_backward(dx.ptr, dh0.ptr, dWx.ptr, dWh.ptr, db.ptr, da.ptr, dc.ptr, s.from(dh).ptr,
      s.from(t.h).ptr, s.from(t.c).ptr, s.from(t.gates).ptr, s.from(t.dgates).ptr, s.from(t.tanhC).ptr,
      s.from(t.dtanhC).ptr, s.from(t.x).ptr, s.from(t.h0).ptr, s.from(t.Wx).ptr, s.from(t.Wh).ptr, N, T, D, H, scratch());
    return {
      dx: out(dx, [N, T, D]), dh0: out(dh0, [N, H]), dWx: out(dWx, [D, 4 * H]),
      dWh: out(dWh, [H, 4 * H]), db: out(db, [4 * H]),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// word embedding

export function wordEmbeddingForward(x: Tensor, W: Tensor): { out: Tensor; cache: Cache } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'T']);
  dims.bind('W', W, ['V', 'D']);
  const [N, T, V, D] = ['N', 'T', 'V', 'D'].map((l) => dims.get(l));
  const dtype = floats({ W });
  checkIds('x', x, V);
  const o = call('wordEmbeddingForward', dtype, N * T + V * D + N * T * D, (k, s) => {
    const o = s.alloc(dtype, N * T * D);
    k.word_embedding_forward(o.ptr, s.from(x).ptr, s.from(W).ptr, N * T, V, D);
    return out(o, [N, T, D]);
  });
  return { out: o, cache: saved('wordEmbeddingForward', dtype, { x }, { N, T, V, D }) };
}

export function wordEmbeddingBackward(dout: Tensor, cache: Cache): { dW: Tensor } {
  const c = open(cache, 'wordEmbeddingForward');
  const { N, T, V, D } = c.dims;
  const dims = cacheDims({ N, T, D });
  dims.bind('dout', dout, ['N', 'T', 'D']);
  if (dout.dtype !== c.dtype) fail('dout', `dtype ${c.dtype} (as W)`, dout.dtype);
  floats({ dout });
  return call('wordEmbeddingBackward', c.dtype, V * D + N * T * D + N * T, (k, s) => {
    const dW = s.alloc(c.dtype, V * D, true);
    k.word_embedding_backward(dW.ptr, s.from(dout).ptr, s.from(c.t.x).ptr, N * T, V, D, D);
    return { dW: out(dW, [V, D]) };
  });
}

// ---------------------------------------------------------------------------------------------
// temporal affine and softmax loss

export function temporalAffineForward(x: Tensor, w: Tensor, b: Tensor): { out: Tensor; cache: Cache } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'T', 'D']);
  dims.bind('w', w, ['D', 'M']);
  dims.bind('b', b, ['M']);
  const [N, T, D, M] = ['N', 'T', 'D', 'M'].map((l) => dims.get(l));
  const dtype = floats({ x, w, b });
  const o = call('temporalAffineForward', dtype, N * T * D + D * M + M + N * T * M, (k, s) => {
    const o = s.alloc(dtype, N * T * M);
    k.affine_forward(o.ptr, s.from(x).ptr, s.from(w).ptr, s.from(b).ptr, N * T, D, M, scratch());
    return out(o, [N, T, M]);
  });
  return { out: o, cache: saved('temporalAffineForward', dtype, { x, w }, { N, T, D, M }) };
}

export function temporalAffineBackward(dout: Tensor, cache: Cache): { dx: Tensor; dw: Tensor; db: Tensor } {
  const c = open(cache, 'temporalAffineForward');
  const { N, T, D, M } = c.dims;
  const dims = cacheDims({ N, T, M });
  dims.bind('dout', dout, ['N', 'T', 'M']);
  floats({ dout, x: c.t.x });
  return call('temporalAffineBackward', c.dtype, 2 * N * T * D + 2 * D * M + M + N * T * M, (k, s) => {
    const dx = s.alloc(c.dtype, N * T * D);
    const dw = s.alloc(c.dtype, D * M, true);
    const db = s.alloc(c.dtype, M, true);
    k.affine_backward(dx.ptr, dw.ptr, db.ptr, s.from(dout).ptr, s.from(c.t.x).ptr, s.from(c.t.w).ptr, N * T, D, M, scratch());
    return { dx: out(dx, [N, T, D]), dw: out(dw, [D, M]), db: out(db, [M]) };
  });
}

export function temporalSoftmaxLoss(x: Tensor, y: Tensor, mask: Tensor): { loss: number; dx: Tensor } {
  const dims = new Dims();
  dims.bind('x', x, ['N', 'T', 'V']);
  dims.bind('y', y, ['N', 'T']);
  dims.bind('mask', mask, ['N', 'T']);
  const [N, T, V] = ['N', 'T', 'V'].map((l) => dims.get(l));
  const dtype = floats({ x });
  checkIds('y', y, V);
  checkMask('mask', mask);
  return call('temporalSoftmaxLoss', dtype, 2 * N * T * V + 2 * N * T, (k, s) => {
    const dx = s.alloc(dtype, N * T * V);
    const loss = k.temporal_softmax_loss(dx.ptr, s.from(x).ptr, s.from(y).ptr, s.from(mask).ptr, N, T, V);
    return { loss, dx: out(dx, [N, T, V]) };
  });
}
