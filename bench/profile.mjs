#!/usr/bin/env node
// Kernel profile of the CS231n configuration (N=25, T=16, D=512, W=256, H=512, V=1004): times
// every kernel call of one training forward/backward and of greedy sampling, straight against
// build/<kind>.wasm (no TS layer), plus sgemm GFLOP/s at the bench shapes.
//
//   node bench/profile.mjs [--wasm simd|scalar|relaxed] [--dtype f32|f64] [--cell lstm|rnn]
//                          [--reps 5] [--gemm] [--only-gemm] [--parts] [--no-scratch]
// Figures are medians over --reps repetitions after one warm-up; noisy on a busy machine.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const HERE = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
};
const flag = (name) => process.argv.includes(`--${name}`);
const KIND = arg('wasm', 'simd');
const DT = arg('dtype', 'f32');
const CELL = arg('cell', 'lstm');
const REPS = +arg('reps', 5);
const ES = DT === 'f32' ? 4 : 8;

const bytes = readFileSync(join(HERE, '..', 'build', `${KIND}.wasm`));
const memory = new WebAssembly.Memory({ initial: 16 });
const { instance } = await WebAssembly.instantiate(bytes, {
  env: { memory, abort: (_m, _f, l, c) => { throw new Error(`abort ${l}:${c}`); } },
});
const K = instance.exports;
let top = (K.heap_base() + 63) & ~63;
/** n elements of the dtype (or i32), 64-byte aligned, filled with U[-scale, scale). */
function buf(n, scale = 0.1, es = ES) {
  const p = top;
  const bytesNeeded = n * es;
  top = (top + bytesNeeded + 63) & ~63;
  const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
  if (need > 0) memory.grow(need);
  const v = es === 8 ? new Float64Array(memory.buffer, p, n) : new Float32Array(memory.buffer, p, n);
  for (let i = 0; i < n; i++) v[i] = (Math.random() * 2 - 1) * scale;
  return p;
}
function ibuf(n, hi) {
  const p = buf(n, 0, 4);
  const v = new Int32Array(memory.buffer, p, n);
  for (let i = 0; i < n; i++) v[i] = Math.floor(Math.random() * hi);
  return p;
}
const k = (name) => K[`${DT}_${name}`];
// packing scratch (trailing argument of the gemm/affine/rnn/lstm kernels); --no-scratch passes 0
const SCR = flag('no-scratch') || !K.scratch_bytes ? 0 : buf(K.scratch_bytes() / ES, 0);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const now = () => performance.now();

const fmt = (x, d = 2) => x.toFixed(d).padStart(8);

if (flag('gemm') || flag('only-gemm')) {
  const SH = [[25, 512, 2048], [400, 256, 2048], [400, 512, 1004], [512, 512, 512]];
  console.log(`sgemm ${KIND} ${DT} (GFLOP/s, median of ${REPS})`);
  for (const [M, N, Kd] of SH) {
    const a = buf(M * Kd), b = buf(Kd * N), c = buf(M * N);
    const row = [];
    for (const form of ['nn', 'tn', 'nt']) {
      const lda = form === 'tn' ? M : Kd, ldb = form === 'nt' ? Kd : N;
      const g = k(`gemm_${form}`);
      const run = () => g(c, a, b, M, N, Kd, lda, ldb, N, 0, SCR);
      run();
      let t0 = now(); run(); const one = now() - t0;
      const inner = Math.max(1, Math.ceil(30 / Math.max(one, 1e-3)));
      const ts = [];
      for (let r = 0; r < REPS; r++) {
        t0 = now();
        for (let i = 0; i < inner; i++) run();
        ts.push((now() - t0) / inner / 1e3);
      }
      row.push(`${form} ${fmt(2 * M * N * Kd / median(ts) / 1e9)}`);
    }
    console.log(`(${M},${N},${Kd})`.padEnd(16), row.join('  '));
  }
  if (flag('only-gemm')) process.exit(0);
}

if (flag('parts')) {
  // the GEMMs inside the LSTM training step and sampling at the CS231n config (f32 or f64)
  const PARTS = [
    ['nn x·Wx (all steps)', 'nn', 400, 2048, 256, 1], ['nn h·Wh (per step)', 'nn', 25, 2048, 512, 16],
    ['nn h·W_vocab', 'nn', 400, 1004, 512, 1], ['nn sample h·W_vocab', 'nn', 25, 1004, 512, 16],
    ['nt da·Whᵀ (per step)', 'nt', 25, 512, 2048, 16], ['nt da·Wxᵀ', 'nt', 400, 256, 2048, 1],
    ['nt dscores·W_vocabᵀ', 'nt', 400, 512, 1004, 1],
    ['tn hᵀ·da (per step)', 'tn', 512, 2048, 25, 16], ['tn xᵀ·da', 'tn', 256, 2048, 400, 1],
    ['tn hᵀ·dscores', 'tn', 512, 1004, 400, 1],
  ];
  let total = 0;
  for (const [name, form, M, N, Kd, times] of PARTS) {
    const a = buf(M * Kd), b = buf(Kd * N), c = buf(M * N);
    const lda = form === 'tn' ? M : Kd, ldb = form === 'nt' ? Kd : N;
    const g = k(`gemm_${form}`);
    const run = () => { for (let s = 0; s < times; s++) g(c, a, b, M, N, Kd, lda, ldb, N, 1, SCR); };
    run();
    const ts = [];
    for (let r = 0; r < REPS; r++) { const t0 = now(); run(); ts.push(now() - t0); }
    const m = median(ts);
    total += m;
    console.log(`  ${name.padEnd(24)} ${fmt(m)} ms  ${fmt(2 * M * N * Kd * times / m / 1e6)} GFLOP/s`);
  }
  console.log(`  total ${fmt(total)} ms`);
  process.exit(0);
}

// ---------------------------------------------------------------- training forward/backward
const N = +arg('N', 25), T = +arg('T', 16), D = 512, W = 256, H = +arg('H', 512), V = 1004;
const G = (CELL === 'lstm' ? 4 : 1) * H;
const P = {
  W_proj: buf(D * H), b_proj: buf(H), W_embed: buf(V * W), Wx: buf(W * G), Wh: buf(H * G), b: buf(G),
  W_vocab: buf(H * V), b_vocab: buf(V),
};
const dP = Object.fromEntries(Object.keys(P).map((n) => [n, buf({ W_proj: D * H, b_proj: H, W_embed: V * W, Wx: W * G, Wh: H * G, b: G, W_vocab: H * V, b_vocab: V }[n], 0)]));
const B = {
  features: buf(N * D, 1), h0: buf(N * H), captionsIn: ibuf(N * T, V), captionsOut: ibuf(N * T, V), mask: ibuf(N * T, 2),
  x: buf(N * T * W), h: buf(N * T * H), c: buf(N * T * H), gates: buf(N * T * G), dgates: buf(N * T * G),
  tanhC: buf(N * T * H), dtanhC: buf(N * T * H), dtanh: buf(N * T * H), scores: buf(N * T * V), dscores: buf(N * T * V),
  dh: buf(N * T * H), dx: buf(N * T * W), dh0: buf(N * H), da: buf(N * T * G), dc: buf(N * H), dfeatures: buf(N * D),
};
const calls = [
  ['affine_forward proj', () => k('affine_forward')(B.h0, B.features, P.W_proj, P.b_proj, N, D, H, SCR)],
  ['embedding_forward', () => k('word_embedding_forward')(B.x, B.captionsIn, P.W_embed, N * T, V, W)],
  CELL === 'lstm'
    ? ['lstm_forward', () => k('lstm_forward')(B.h, B.c, B.gates, B.dgates, B.tanhC, B.dtanhC, B.x, B.h0, P.Wx, P.Wh, P.b, N, T, W, H, SCR)]
    : ['rnn_forward', () => k('rnn_forward')(B.h, B.dtanh, B.x, B.h0, P.Wx, P.Wh, P.b, N, T, W, H, SCR)],
  ['affine_forward vocab', () => k('affine_forward')(B.scores, B.h, P.W_vocab, P.b_vocab, N * T, H, V, SCR)],
  ['softmax_loss', () => k('temporal_softmax_loss')(B.dscores, B.scores, B.captionsOut, B.mask, N, T, V)],
  ['affine_backward vocab', () => k('affine_backward')(B.dh, dP.W_vocab, dP.b_vocab, B.dscores, B.h, P.W_vocab, N * T, H, V, SCR)],
  CELL === 'lstm'
    ? ['lstm_backward', () => k('lstm_backward')(B.dx, B.dh0, dP.Wx, dP.Wh, dP.b, B.da, B.dc, B.dh, B.h, B.c, B.gates, B.dgates, B.tanhC, B.dtanhC, B.x, B.h0, P.Wx, P.Wh, N, T, W, H, SCR)]
    : ['rnn_backward', () => k('rnn_backward')(B.dx, B.dh0, dP.Wx, dP.Wh, dP.b, B.da, B.dh, B.dtanh, B.x, B.h0, B.h, P.Wx, P.Wh, N, T, W, H, SCR)],
  ['embedding_backward', () => k('word_embedding_backward')(dP.W_embed, B.dx, B.captionsIn, N * T, V, W, W)],
  ['affine_backward proj', () => k('affine_backward')(B.dfeatures, dP.W_proj, dP.b_proj, B.dh0, B.features, P.W_proj, N, D, H, SCR)],
];
// sampling: one step for N rows, 16 steps
const S = {
  x: buf(N * W), h: buf(N * H), hN: buf(N * H), c: buf(N * H), cN: buf(N * H), gates: buf(N * G), dgates: buf(N * G),
  tanhC: buf(N * H), dtanhC: buf(N * H), dtanh: buf(N * H), scores: buf(N * V), words: ibuf(N, V),
};
const sampleCalls = [
  ['embedding_forward', () => k('word_embedding_forward')(S.x, S.words, P.W_embed, N, V, W)],
  CELL === 'lstm'
    ? ['lstm_step_forward', () => k('lstm_step_forward')(S.hN, S.cN, S.gates, S.dgates, S.tanhC, S.dtanhC, S.x, S.h, S.c, P.Wx, P.Wh, P.b, N, W, H, SCR)]
    : ['rnn_step_forward', () => k('rnn_step_forward')(S.hN, S.dtanh, S.x, S.h, P.Wx, P.Wh, P.b, N, W, H, SCR)],
  ['affine_forward vocab', () => k('affine_forward')(S.scores, S.hN, P.W_vocab, P.b_vocab, N, H, V, SCR)],
  ['argmax_rows', () => k('argmax_rows')(S.words, S.scores, N, V, V)],
];

function profile(title, list, times) {
  const acc = Object.fromEntries(list.map(([n]) => [n, []]));
  const tot = [];
  for (let r = 0; r <= REPS; r++) {
    const t = Object.fromEntries(list.map(([n]) => [n, 0]));
    const t0 = now();
    for (let s = 0; s < times; s++) {
      for (const [n, f] of list) { const a = now(); f(); t[n] += now() - a; }
    }
    if (r > 0) { tot.push(now() - t0); for (const [n] of list) acc[n].push(t[n]); }
  }
  const total = median(tot);
  console.log(`\n${title}: ${total.toFixed(1)} ms (median of ${REPS})`);
  for (const [n] of list) {
    const m = median(acc[n]);
    console.log(`  ${n.padEnd(24)} ${fmt(m, 2)} ms  ${fmt(100 * m / total, 1)} %`);
  }
}
console.log(`${KIND} ${DT} ${CELL} N=${N} T=${T} D=${D} W=${W} H=${H} V=${V}`);
profile('training forward+backward (no Adam)', calls, 1);
profile('greedy sampling, 16 steps', sampleCalls, 16);
