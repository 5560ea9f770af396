#!/usr/bin/env node
// GEMM register-tile microbenchmark for the study "Why relaxed SIMD gains little": the inner
// k loop of an MR-row × 2-vector (8 f32 columns) tile, generated as wasm text and compiled with
// binaryen (unoptimised: the loop stays as written), run on L1-resident panels, strict
// (f32x4.mul + f32x4.add, as recap's simd build) against fused (f32x4.relaxed_madd, as its
// relaxed build), interleaved in one process, GFLOP/s per second of this process's CPU time.
// Variants (MR rows × NV vectors of B columns; NV = 2, 8 columns, unless named otherwise):
//   strided  A(i,k) broadcast from 4 rows `ar` bytes apart (one address add per row per k), one
//            k per loop trip: what recap's tile_4x2v does on the nn path today
//   packed   A packed as K×MR contiguous (broadcasts at constant offsets, one pointer), unroll U:
//            k unrolled U times (one loop test, stack check and pointer bump per U k); `shuffle`:
//            the MR=4 A values of one k as one v128.load and 4 lane splats (i8x16.shuffle)
//   node --experimental-wasm-relaxed-simd bench/relaxed_tile.mjs [reps] [ms per rep]
import { median } from './common.mjs';
import v8 from 'node:v8';

// TurboFan from the first call (no Liftoff baseline): a long single call is never tiered up
v8.setFlagsFromString('--no-liftoff');
// seconds of CPU time of this process (one thread runs): other processes sharing the cores do not count
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const REPS = Number(process.argv[2] ?? 5);
const MS = Number(process.argv[3] ?? 30);
const K = 256;
const binaryen = (await import('binaryen')).default;

/** wasm text of tile(pa, pb, ar, reps): reps passes over k < K of an MR×8 tile; returns a lane sum. */
function tileWat({ MR, packed, U, fused, shuffle = false, NV = 2 }) {
  const L = [];
  const acc = [];
  for (let i = 0; i < MR; i++) for (let j = 0; j < NV; j++) acc.push(`$c${i}${j}`);
  L.push('(module (memory (export "mem") 4)');
  L.push('(func $tile (export "tile") (param $pa0 i32) (param $pb0 i32) (param $ar i32) (param $reps i32) (result f32)');
  L.push(`(local $pa i32) (local $pb i32) (local $k i32) (local $x v128) (local $a4 v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) ${acc.map((a) => `(local ${a} v128)`).join(' ')}`);
  L.push('(block $done (loop $rep (br_if $done (i32.le_s (local.get $reps) (i32.const 0)))');
  L.push('(local.set $pa (local.get $pa0)) (local.set $pb (local.get $pb0)) (local.set $k (i32.const 0))');
  L.push('(block $kend (loop $kl (br_if $kend (i32.ge_s (local.get $k) (i32.const ' + K + ')))');
  const ak = packed ? 4 * MR : 4; // bytes from A(i,k) to A(i,k+1)
  for (let u = 0; u < U; u++) {
    for (let j = 0; j < NV; j++) L.push(`(local.set $b${j} (v128.load offset=${u * 16 * NV + 16 * j} (local.get $pb)))`);
    if (shuffle) L.push(`(local.set $a4 (v128.load offset=${u * ak} (local.get $pa)))`);
    for (let i = 0; i < MR; i++) {
      const addr = packed || i === 0 ? '(local.get $pa)' : `(i32.add (local.get $pa) (i32.mul (local.get $ar) (i32.const ${i})))`;
      const off = packed ? u * ak + 4 * i : u * ak;
      if (shuffle) L.push(`(local.set $x (i8x16.shuffle ${[0, 1, 2, 3].map(() => [0, 1, 2, 3].map((b) => 4 * i + b).join(' ')).join(' ')} (local.get $a4) (local.get $a4)))`);
      else L.push(`(local.set $x (v128.load32_splat offset=${off} ${addr}))`);
      for (let j = 0; j < NV; j++) {
        const c = `$c${i}${j}`;
        L.push(fused ? `(local.set ${c} (f32x4.relaxed_fma (local.get $x) (local.get $b${j}) (local.get ${c})))`
          : `(local.set ${c} (f32x4.add (local.get ${c}) (f32x4.mul (local.get $x) (local.get $b${j}))))`);
      }
    }
  }
  L.push(`(local.set $pa (i32.add (local.get $pa) (i32.const ${U * ak}))) (local.set $pb (i32.add (local.get $pb) (i32.const ${U * 16 * NV})))`);
  L.push(`(local.set $k (i32.add (local.get $k) (i32.const ${U}))) (br $kl)))`);
  L.push('(local.set $reps (i32.sub (local.get $reps) (i32.const 1))) (br $rep)))');
  L.push(`(f32x4.extract_lane 0 ${acc.slice(1).reduce((s, a) => `(f32x4.add ${s} (local.get ${a}))`, `(local.get ${acc[0]})`)})))`);
  return L.join('\n');
}

async function build(v) {
  const mod = binaryen.parseText(tileWat(v));
  mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128 | binaryen.Features.RelaxedSIMD);
  if (!mod.validate()) throw new Error(`tile ${JSON.stringify(v)} does not validate`);
  const bytes = mod.emitBinary();
  mod.dispose();
  const { instance } = await WebAssembly.instantiate(bytes);
  const { tile, mem } = instance.exports;
  const f = new Float32Array(mem.buffer);
  for (let i = 0; i < f.length; i++) f[i] = 1e-3 * ((i % 7) - 3);
  const pa = 0, pb = 64 * 1024, ar = 4 * K; // A rows K floats apart (strided); B packed K×8
  const flopPerRep = 2 * MR(v) * 4 * (v.NV ?? 2) * K;
  const t0 = performance.now(); tile(pa, pb, ar, 2000); const per = (performance.now() - t0) / 2000;
  const reps = Math.max(100, Math.round(MS / per));
  return () => { const t = cpu(); tile(pa, pb, ar, reps); return flopPerRep * reps / (cpu() - t) / 1e9; };
}
const MR = (v) => v.MR;

const VARIANTS = [
  { name: '4×8 strided, 1 k per trip (recap today)', MR: 4, packed: false, U: 1 },
  { name: '4×8 packed A, 1 k per trip', MR: 4, packed: true, U: 1 },
  { name: '4×8 packed A, 1 load + 4 lane shuffles', MR: 4, packed: true, U: 1, shuffle: true },
  { name: '4×8 packed A, k unrolled ×2', MR: 4, packed: true, U: 2 },
  { name: '4×8 packed A, k unrolled ×4', MR: 4, packed: true, U: 4 },
  { name: '6×8 packed A, 1 k per trip', MR: 6, packed: true, U: 1 },
  // other register tiles (MR rows × NV vectors of B columns), strided A as recap's conv tile
  { name: '5×8 strided', MR: 5, packed: false, U: 1 },
  { name: '2×16 strided', MR: 2, packed: false, U: 1, NV: 4 },
  { name: '3×12 strided', MR: 3, packed: false, U: 1, NV: 3 },
  { name: '3×16 strided', MR: 3, packed: false, U: 1, NV: 4 },
  { name: '4×12 strided', MR: 4, packed: false, U: 1, NV: 3 },
];
const runs = [];
for (const v of VARIANTS) for (const fused of [false, true]) runs.push({ v, fused, f: await build({ ...v, fused }) });
const g = runs.map(() => []);
for (let r = 0; r < 1 + REPS; r++) runs.forEach((x, i) => { const y = x.f(); if (r >= 1) g[i].push(y); });
const rows = VARIANTS.map((v, i) => ({ variant: v.name, strict: median(g[2 * i]), fused: median(g[2 * i + 1]) }));
for (const r of rows) console.log(`${r.variant.padEnd(42)} strict ${r.strict.toFixed(1).padStart(6)}  fused ${r.fused.toFixed(1).padStart(6)} GFLOP/s  fused/strict ${(r.fused / r.strict).toFixed(2)}`);
console.log(JSON.stringify({ K, reps: REPS, rows }));
