#!/usr/bin/env node
// Encoder speed: ResNet-18 and MobileNetV2 (seeded weights: speed does not depend on values) at
// 224², a forward pass timed whole (median of --reps after a warm-up) and layer by layer (ms and
// GFLOP/s per layer type, GFLOP/s = 2·multiply-adds / time); the fastest run too, a better
// estimate of the kernels' speed on a machine busy with other work, and the process's CPU time per pass
// (all threads; with 1 thread, time-sharing with other processes does not count). Run `npm run build` first.
//
//   node bench/encoder.mjs [--threads 1] [--batch 1] [--reps 5] [--arch resnet18,mobilenet_v2] [--dtype float32]
//                          [--wasm simd|relaxed|scalar]   (relaxed on Node 20: node --experimental-wasm-relaxed-simd)
import { init, loadEncoder, Tensor } from '../dist/index.js';
import { ARCHS } from '../dist/vision/arch.js';
import { network, paramSpecs } from '../dist/vision/arch.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
};
const THREADS = +arg('threads', 1), N = +arg('batch', 1), REPS = +arg('reps', 5), SIZE = +arg('size', 224);
const DTYPE = arg('dtype', 'float32');
const archs = arg('arch', 'resnet18,mobilenet_v2').split(',').filter((a) => ARCHS.includes(a));
await init({ threads: THREADS, wasm: arg('wasm', 'simd') });

/** Weights of the right shapes: a cheap deterministic pattern (the values do not change the speed). */
function weights(arch) {
  const sd = {};
  for (const { name, shape, optional } of paramSpecs(network(arch))) {
    if (optional) continue;
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    const var_ = name.endsWith('running_var');
    for (let i = 0; i < n; i++) v[i] = var_ ? 1 : ((i * 7919) % 2001 - 1000) / (1000 * Math.sqrt(n / shape[0]));
    sd[name] = new Tensor(v, shape);
  }
  return sd;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** This process's CPU time in ms (all its threads): steadier than the wall clock on a shared machine. */
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };

for (const arch of archs) {
  const enc = await loadEncoder(weights(arch), { arch, dtype: DTYPE });
  const x = new Tensor(new Float32Array(N * 3 * SIZE * SIZE).map((_, i) => Math.sin(i)), [N, 3, SIZE, SIZE]);
  await enc.encode(x);
  const times = [], cpus = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now(), c0 = cpuMs();
    await enc.encode(x);
    times.push(performance.now() - t0);
    cpus.push(cpuMs() - c0);
  }
  const per = new Map();
  let flops = 0;
  const layerRuns = [];
  for (let r = 0; r < Math.max(1, REPS >> 1); r++) layerRuns.push(await enc.timeLayers(x));
  layerRuns[0].forEach((row, i) => {
    const ms = median(layerRuns.map((run) => run[i].ms));
    const e = per.get(row.kind) ?? { ms: 0, flops: 0, n: 0 };
    e.ms += ms; e.flops += row.flops; e.n++;
    per.set(row.kind, e);
    flops += row.flops;
  });
  const t = median(times), best = Math.min(...times);
  console.log(`${arch} ${SIZE}² batch ${N} ${DTYPE}, ${arg('wasm', 'simd')}, ${THREADS} thread(s): ${t.toFixed(1)} ms a forward pass (median of ${REPS}; fastest ${best.toFixed(1)} ms), ${(flops / 1e9).toFixed(2)} GFLOP, ${(flops / t / 1e6).toFixed(1)} GFLOP/s (fastest ${(flops / best / 1e6).toFixed(1)}); CPU time median ${median(cpus).toFixed(1)} ms, fastest ${Math.min(...cpus).toFixed(1)} ms`);
  for (const [kind, e] of per) console.log(`  ${kind.padEnd(8)} ${String(e.n).padStart(3)} layers ${e.ms.toFixed(1).padStart(7)} ms ${(e.flops / e.ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`);
  enc.dispose();
}
