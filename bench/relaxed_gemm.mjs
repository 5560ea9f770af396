#!/usr/bin/env node
// Strict vs relaxed (FMA) build of recap's own sgemm kernel, interleaved in one process:
// build/simd.wasm and build/relaxed.wasm instantiated side by side on their own memories,
// f32_gemm_{nn,tn,nt} (with the calling thread's packing scratch) timed at shapes from L1-resident to
// the LSTM step's, repetitions alternating between the builds; GFLOP/s per second of this
// process's CPU time (robust to other processes sharing the cores). For the study "Why relaxed SIMD
// gains little" in bench/RESULTS.md.
//   node --experimental-wasm-relaxed-simd bench/relaxed_gemm.mjs [reps] [ms per rep]
// Prints a table and one JSON line. Run `npm run build` first.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { median } from './common.mjs';
import v8 from 'node:v8';

// TurboFan from the first call (no Liftoff baseline): a long single call is never tiered up
v8.setFlagsFromString('--no-liftoff');
// seconds of CPU time of this process (one thread runs): other processes sharing the cores do not count
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const HERE = dirname(fileURLToPath(import.meta.url));
const REPS = Number(process.argv[2] ?? 7);
const MS = Number(process.argv[3] ?? 40);
// [M, N, K, form]: L1-sized, the LSTM step's (nn, tn: Aᵀ·B, nt: A·Bᵀ), and a conv-like 3×3 implicit GEMM (56²×64 from 64·9)
const SHAPES = [[16, 64, 64, 'nn'], [64, 64, 128, 'nn'], [25, 512, 2048, 'nn'], [400, 256, 2048, 'nn'], [400, 256, 2048, 'tn'],
  [400, 2048, 512, 'nt'], [25, 2048, 512, 'nnp'], [512, 512, 512, 'nn'], [3136, 64, 576, 'nn']];
// 'nnp': f32_gemm_nn_packed with B packed once beforehand (the step's per-time-step h·Wh)

async function load(kind) {
  const memory = new WebAssembly.Memory({ initial: 16 });
  const { instance } = await WebAssembly.instantiate(readFileSync(join(HERE, '..', 'build', `${kind}.wasm`)), {
    env: { memory, abort: () => { throw new Error('abort'); } },
  });
  const K = instance.exports;
  let top = (K.heap_base() + 63) & ~63;
  const buf = (n) => {
    const p = top;
    top = (top + n * 4 + 63) & ~63;
    const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
    if (need > 0) memory.grow(need);
    const v = new Float32Array(memory.buffer, p, n);
    for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.37) * 0.5;
    return p;
  };
  const scratch = K.scratch_bytes ? buf(K.scratch_bytes() / 4) : 0;
  return { K, buf, scratch, memory };
}

if (!WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  253, 12, ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0), 253, 133, 2, 11]))) {
  console.error('relaxed SIMD is off: run with node --experimental-wasm-relaxed-simd');
  process.exit(1);
}
const builds = { simd: await load('simd'), relaxed: await load('relaxed') };
const rows = [];
for (const [M, N, Kd, form] of SHAPES) {
  const flop = 2 * M * N * Kd;
  const run = {};
  for (const [name, b] of Object.entries(builds)) {
    const A = b.buf(M * Kd), B = b.buf(Kd * N), C = b.buf(M * N);
    const lda = form === 'tn' ? M : Kd, ldb = form === 'nt' ? Kd : N;
    let f = () => b.K[`f32_gemm_${form}`](C, A, B, M, N, Kd, lda, ldb, N, 0, b.scratch);
    if (form === 'nnp') {
      const bp = b.buf(Math.ceil(b.K.f32_packed_b_bytes(Kd, N) / 4));
      b.K.f32_pack_b(bp, B, Kd, N, N);
      f = () => b.K.f32_gemm_nn_packed(C, A, bp, B, M, N, Kd, Kd, N, N, 0);
    }
    f();
    let t0 = performance.now(); f(); const per = Math.max(performance.now() - t0, 1e-3);
    const inner = Math.max(1, Math.round(MS / per));
    run[name] = () => { const c0 = cpu(); for (let i = 0; i < inner; i++) f(); return flop * inner / (cpu() - c0) / 1e9; };
  }
  const g = { simd: [], relaxed: [] };
  for (let r = 0; r < 1 + REPS; r++) for (const k of ['simd', 'relaxed']) { const x = run[k](); if (r >= 1) g[k].push(x); }
  const row = { M, N, K: Kd, form, simd: median(g.simd), relaxed: median(g.relaxed) };
  row.speedup = row.relaxed / row.simd;
  rows.push(row);
  console.log(`${form} (${M},${N},${Kd})`.padEnd(20), `strict ${row.simd.toFixed(2).padStart(6)}  relaxed ${row.relaxed.toFixed(2).padStart(6)} GFLOP/s  relaxed/strict ${row.speedup.toFixed(2)}`);
}
console.log(JSON.stringify({ reps: REPS, msPerRep: MS, rows }));
