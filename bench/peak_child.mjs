// The WebAssembly SIMD peaks, strict and fused, measured interleaved in one process:
// bench/peak.wat (f32x4.mul + f32x4.add, 12 chains) and bench/peak_fma.wat (f32x4.relaxed_madd,
// 12 chains), plus the fused kernel with 6 chains (bound by the FMA latency, not its throughput).
//   node --experimental-wasm-relaxed-simd bench/peak_child.mjs [ms per repetition] [repetitions]
// Prints one JSON line: GFLOP/s medians { strict, fused, fused6 } (fused* null when the
// engine has no relaxed SIMD). Compiled with binaryen (assemblyscript's dependency), unoptimised.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { median } from './common.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const MS = Number(process.argv[2] ?? 60);
const REPS = Number(process.argv[3] ?? 7);
const binaryen = (await import('binaryen')).default;

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
  kernels.fused6 = { bytes: compile(fusedSrc.replace(/^.*\$a([6-9]|1[01])\b.*relaxed_madd.*$\n/gm, ''), true), chains: 6 };
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
  run[name] = () => { const t = performance.now(); f(iters); return (iters * k.chains * 8) / ((performance.now() - t) / 1e3) / 1e9; };
}
const g = Object.fromEntries(Object.keys(run).map((k) => [k, []]));
for (let r = 0; r < 2 + REPS; r++) for (const k of Object.keys(run)) { const x = run[k](); if (r >= 2) g[k].push(x); }
const res = { relaxedSimd: relaxedOk, reps: REPS, msPerRep: MS };
for (const k of ['strict', 'fused', 'fused6']) res[k] = g[k] ? median(g[k]) : null;
process.stdout.write(JSON.stringify(res) + '\n');
