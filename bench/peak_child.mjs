// The WebAssembly SIMD peaks, strict and fused, measured interleaved in one process:
// bench/peak.wat (acc = acc·m + c: f32x4.mul then f32x4.add on the accumulator's chain, 12
// chains), `strictSplit` (the multiply off the accumulator's chain, as in a GEMM: 6 chains
// t = t·m beside 6 chains a = a + t), bench/peak_fma.wat (f32x4.relaxed_madd, 12 chains), and the
// fused kernel with 6 chains (bound by the FMA latency, not its throughput).
//   node --experimental-wasm-relaxed-simd bench/peak_child.mjs [ms per repetition] [repetitions]
// Prints one JSON line: GFLOP/s medians { strict, strictSplit, fused, fused6 } (fused* null when the
// engine has no relaxed SIMD), per second of this process's CPU time, and `fuses` (relaxed_madd rounds once: a true FMA). Compiled with binaryen (assemblyscript's dependency), unoptimised.
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
const MS = Number(process.argv[2] ?? 60);
const REPS = Number(process.argv[3] ?? 7);
const binaryen = (await import('binaryen')).default;

function splitWat(n) {
  const ids = [...Array(n).keys()];
  return `(module (func (export "peak") (param $n i32) (result f32)
    ${ids.map((i) => `(local $t${i} v128) (local $a${i} v128)`).join(' ')} (local $m v128)
    (local.set $m (f32x4.splat (f32.const 0.9999999)))
    ${ids.map((i) => `(local.set $t${i} (f32x4.splat (f32.const ${0.5 + i / 64})))`).join(' ')}
    (block $done (loop $top (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      ${ids.map((i) => `(local.set $a${i} (f32x4.add (local.get $a${i}) (local.get $t${i}))) (local.set $t${i} (f32x4.mul (local.get $t${i}) (local.get $m)))`).join('\n      ')}
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $top)))
    (f32x4.extract_lane 0 ${ids.slice(1).reduce((s, i) => `(f32x4.add ${s} (local.get $a${i}))`, '(local.get $a0)')})))`;
}

function compile(text, relaxed) {
  const mod = binaryen.parseText(text);
  mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128 | (relaxed ? binaryen.Features.RelaxedSIMD : 0));
  if (!mod.validate()) throw new Error('peak kernel does not validate');
  const bytes = mod.emitBinary();
  mod.dispose();
  return bytes;
}

const strictSrc = readFileSync(join(HERE, 'peak.wat'), 'utf8');
const fusedSrc = readFileSync(join(HERE, 'peak_fma.wat'), 'utf8');
const kernels = { strict: { bytes: compile(strictSrc, false), chains: 12 } };
const relaxedOk = WebAssembly.validate(compile(fusedSrc, true));
if (relaxedOk) {
  kernels.fused = { bytes: compile(fusedSrc, true), chains: 12 };
  // 6 chains cannot hide a 4-cycle FMA latency at 2 FMAs per cycle (8 would)
  kernels.fused6 = { bytes: compile(fusedSrc.replace(/^.*\$a([6-9]|1[01])\b.*relaxed_fma.*$\n/gm, ''), true), chains: 6 };
}
// strict with the multiply off the accumulator's chain, as in a GEMM (acc += x·y): 6 chains
// t = t·m and 6 chains a = a + t, so the adds wait only on adds (8 flops per pair of chains)
kernels.strictSplit = { bytes: compile(splitWat(6), false), chains: 6 };
// Does the engine fuse? relaxed_madd(a, a, -fl(a·a)) is the rounding error of a·a (2^-24 for
// a = 1 + 2^-12) when fused, 0 when lowered to a multiply and an add.
let fuses = null;
if (relaxedOk) {
  const probe = compile(`(module (func (export "probe") (param $a f32) (result f32)
    (f32x4.extract_lane 0 (f32x4.relaxed_fma (f32x4.splat (local.get $a)) (f32x4.splat (local.get $a))
      (f32x4.neg (f32x4.mul (f32x4.splat (local.get $a)) (f32x4.splat (local.get $a))))))))`, true);
  const { instance } = await WebAssembly.instantiate(probe);
  fuses = instance.exports.probe(1 + 2 ** -12) !== 0;
}
const run = {};
for (const [name, k] of Object.entries(kernels)) {
  const { instance } = await WebAssembly.instantiate(k.bytes);
  const f = instance.exports.peak;
  f(1e6);
  const t0 = performance.now();
  f(1e6);
  const per = (performance.now() - t0) / 1e6;
  const iters = Math.max(1e5, Math.round(MS / per));
  run[name] = () => { const t = cpu(); f(iters); return (iters * k.chains * 8) / (cpu() - t) / 1e9; };
}
const g = Object.fromEntries(Object.keys(run).map((k) => [k, []]));
for (let r = 0; r < 2 + REPS; r++) for (const k of Object.keys(run)) { const x = run[k](); if (r >= 2) g[k].push(x); }
const res = { relaxedSimd: relaxedOk, fuses, reps: REPS, msPerRep: MS };
for (const k of ['strict', 'strictSplit', 'fused', 'fused6']) res[k] = g[k] ? median(g[k]) : null;
process.stdout.write(JSON.stringify(res) + '\n');
