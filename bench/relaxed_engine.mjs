// One engine's strict-vs-relaxed measurement, shared by Node, Bun, Deno (bench/relaxed-engines.mjs
// runs it as a child) and the browsers (the same file, served): does relaxed_madd fuse here (one
// rounding), and ResNet-18 224² batch 1 on 1 thread with the simd and the relaxed build,
// alternated round by round (init, load, warm-up, timed passes, dispose). Weights are a cheap
// deterministic pattern (the speed does not depend on them). `recap` is the imported package,
// `arch` its dist/vision/arch.js.

// (module (func (export "probe") (param f32) (result f32) relaxed_fma(a, a, −(a·a)) lane 0), compiled by binaryen
const PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 125, 1, 125, 3, 2, 1, 0, 7, 9, 1, 5, 112, 114, 111, 98, 101, 0, 0, 10, 32, 1, 30, 0,
  32, 0, 253, 19, 32, 0, 253, 19, 32, 0, 253, 19, 32, 0, 253, 19, 253, 230, 1, 253, 225, 1, 253, 133, 2, 253, 31, 0, 11]);

/** null: no relaxed SIMD here; true: relaxed_madd rounds once (the rounding error of a·a, 2^-24 for a = 1 + 2^-12); false: a multiply and an add. */
export async function fuses() {
  if (!WebAssembly.validate(PROBE)) return null;
  const { instance } = await WebAssembly.instantiate(PROBE);
  return instance.exports.probe(1 + 2 ** -12) !== 0;
}

function weights(recap, arch, name) {
  const sd = {};
  for (const { name: key, shape, optional } of arch.paramSpecs(arch.network(name))) {
    if (optional) continue;
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    const isVar = key.endsWith('running_var');
    for (let i = 0; i < n; i++) v[i] = isVar ? 1 : ((i * 7919) % 2001 - 1000) / (1000 * Math.sqrt(n / shape[0]));
    sd[key] = new recap.Tensor(v, shape);
  }
  return sd;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * { fuses, simd, relaxed, ratio } medians over rounds × reps forward passes, and the fastest
 * pass of each build (fastSimd, fastRelaxed, fastRatio): on a machine shared with other work the
 * fastest pass is the steadier estimate of what each build can do.
 */
export async function measure(recap, arch, { rounds = 3, reps = 3, net = 'resnet18' } = {}) {
  const fused = await fuses();
  const builds = fused === null ? ['simd'] : ['simd', 'relaxed'];
  const times = Object.fromEntries(builds.map((b) => [b, []]));
  const x = new recap.Tensor(new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i)), [1, 3, 224, 224]);
  for (let r = 0; r < rounds; r++) {
    for (const build of builds) {
      await recap.init({ wasm: build, threads: 1 });
      const enc = await recap.loadEncoder(weights(recap, arch, net), { arch: net });
      await enc.encode(x);
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        await enc.encode(x);
        times[build].push(performance.now() - t0);
      }
      enc.dispose();
      recap.dispose();
    }
  }
  const simd = median(times.simd), relaxed = times.relaxed ? median(times.relaxed) : null;
  const fastSimd = Math.min(...times.simd), fastRelaxed = times.relaxed ? Math.min(...times.relaxed) : null;
  return {
    fuses: fused, simd, relaxed, ratio: relaxed ? simd / relaxed : null,
    fastSimd, fastRelaxed, fastRatio: fastRelaxed ? fastSimd / fastRelaxed : null, passes: rounds * reps,
  };
}
