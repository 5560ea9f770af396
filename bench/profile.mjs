#!/usr/bin/env node
// Kernel profile of the CS231n configuration (N=25, T=16, D=512, W=256, H=512, V=1004): times
// every kernel call of the library's own plans for one training step and for greedy decoding
// (cold and with its caches; run `npm run build` first), plus, with --gemm / --parts, sgemm
// GFLOP/s at the bench shapes straight against build/<kind>.wasm.
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

// ------------------------------------------- the training step and greedy decoding, as planned
// The very call lists the library runs (src/model/train-step.ts planStep, src/model/greedy.ts),
// on the package's runtime (1 thread), each call timed and grouped by phase and kernel.
const N = +arg('N', 25), T = +arg('T', 16), D = 512, W = 256, H = +arg('H', 512), V = 1004;
const R = await import('../dist/index.js');
const { kernels } = await import('../dist/core/runtime.js');
const { planStep } = await import('../dist/model/train-step.js');
await R.init({ wasm: KIND, threads: 1 });
const ks = kernels();
const rng = new R.LegacyRandom(0);
const wordToIdx = Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>'][i] ?? `w${i}`, i]));
const model = new R.CaptioningRNN({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: CELL, dtype: DT === 'f64' ? 'float64' : 'float32' });
// captions of 5-15 words after <START>, then <END> and <NULL> padding (as bench/run.mjs)
const caps = new Int32Array(N * (T + 1));
for (let n = 0; n < N; n++) {
  const len = 5 + rng.randint(11);
  caps[n * (T + 1)] = 1;
  for (let t = 1; t <= T; t++) caps[n * (T + 1) + t] = t <= len ? 3 + rng.randint(V - 3) : t === len + 1 ? 2 : 0;
}
const features = R.tensor(rng.randnArray(N * D), [N, D], model.config.dtype);
model.loss(features, R.tensor(caps, [N, T + 1], 'int32')); // loads the batch (sorted, packed) into the workspace

/**
 * Runs a plan REPS times (after one warm-up), timing each call; prints ms per (phase, kernel),
 * medians over the repetitions. `plan()` returns [phase, calls] pairs and what to do once they ran.
 */
function profile(title, plan) {
  const rows = new Map();
  for (let r = 0; r <= REPS; r++) {
    const { phases, ran } = plan();
    for (const [phase, calls] of phases) {
      const seen = new Map();
      for (const [name, ...args] of calls) {
        const t0 = now();
        ks[name](...args);
        const dt = now() - t0;
        const key = `${phase} ${name.slice(4)}`;
        const e = seen.get(key) ?? { calls: 0, ms: 0 };
        e.calls++;
        e.ms += dt;
        seen.set(key, e);
      }
      if (r === 0) continue;
      for (const [key, e] of seen) {
        const row = rows.get(key) ?? { calls: e.calls, ms: [] };
        row.ms.push(e.ms);
        rows.set(key, row);
      }
    }
    ran?.();
  }
  const list = [...rows].map(([key, r]) => [key, r.calls, median(r.ms)]);
  const total = list.reduce((s, [, , ms]) => s + ms, 0);
  console.log(`\n${title}: ${total.toFixed(2)} ms (median of ${REPS}, ${KIND} ${DT} ${CELL}, N=${N} T=${T} D=${D} W=${W} H=${H} V=${V})`);
  for (const [key, calls, ms] of list.sort((a, b) => b[2] - a[2])) {
    console.log(`  ${key.padEnd(34)} ${String(calls).padStart(5)} calls ${fmt(ms)} ms ${fmt((100 * ms) / total, 1)} %`);
  }
}

profile('training step (forward, loss, backward)', () => {
  const plan = planStep(model.stepState, N, T, 1);
  model.params.grads.zero();
  return { phases: [['pack', plan.pack], ['rows', plan.rows[0]], ['cols', plan.cols[0]]] };
});
for (const cache of ['cold', 'warm']) {
  if (cache === 'warm') while (!model.greedy.foldedValid) model.sample(features, { maxLength: T }); // fill the caches
  profile(`greedy decoding, ${T} words (${cache}: ${cache === 'cold' ? 'weights packed and x·Wx computed every call' : 'packed weights and the folded table kept'})`, () => {
    if (cache === 'cold') model.setParams({ b: model.getParams().b }); // a parameter write: nothing cached
    const plan = model.greedy.plan(features, N, T, 1, 1);
    return { phases: [['pack', plan.pack], ['fold', plan.fold[0]], ['decode', plan.parts[0]]], ran: plan.commit };
  });
}
model.dispose();
