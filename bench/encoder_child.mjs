// One engine of the encoder benchmark in its own process (each engine's thread count and build
// are fixed when it loads), speaking bench/torch_encoders.py's JSON-line protocol so that
// bench/encoders.mjs interleaves them round by round:
//   node [--experimental-wasm-relaxed-simd] bench/encoder_child.mjs ENGINE THREADS [BUILD]
//   ENGINE: recap (BUILD simd|relaxed; loadEncoder from ../dist), tfjs (wasm backend, XNNPACK),
//           ort (onnxruntime-web, wasm backend, from node_modules: nothing is downloaded)
//   {"cmd":"info"} {"cmd":"setup","key","arch","weights","onnx","input","N"}
//   {"cmd":"run","key","output"?,"repeat"?} -> {"seconds","cpuSeconds","output"?}   {"cmd":"profile","key"} {"cmd":"drop","key"} {"cmd":"quit"}
// Times are performance.now() around `repeat` forwards in a row (default 1), per forward, from
// the same NCHW float32 batch to the output read back into JS.
import { createInterface } from 'node:readline';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readSafetensors } from './encoder_nets.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const [ENGINE, THREADS_ARG, BUILD = 'simd'] = process.argv.slice(2);
const THREADS = Number(THREADS_ARG ?? 1);
const now = () => performance.now();
const readInput = (path, N) => {
  const b = readFileSync(path);
  const x = new Float32Array(N * 3 * 224 * 224);
  new Uint8Array(x.buffer).set(b.subarray(0, x.byteLength));
  return x;
};

/** engine: { info, setup(req) -> model { run(): Promise<Float32Array>, profile?(), dispose() } } */
async function loadEngine() {
  if (ENGINE === 'recap') {
    const dist = join(HERE, '..', 'dist', 'index.js');
    const R = existsSync(dist) ? await import('../dist/index.js') : null;
    if (!R || typeof R.loadEncoder !== 'function') return { info: { available: false, why: 'recap encoder not built on this branch (no loadEncoder in dist/index.js)' } };
    await R.init({ wasm: BUILD, threads: THREADS });
    return {
      info: { available: true, backend: R.backend(), threads: R.threads() },
      async setup(req) {
        const enc = await R.loadEncoder(readFileSync(req.weights), { arch: req.arch, dtype: 'float32' });
        const x = R.tensor(readInput(req.input, req.N), [req.N, 3, 224, 224], 'float32');
        return {
          run: async () => (await enc.encode(x, { output: 'pooled' })).data,
          // per-layer times, if the encoder offers them (bench/README.md "Encoder profile hook"):
          // profile(x, { output }) -> [{ name, ms, kind?, flop? }], or the encoder branch's
          // internal timeLayers(x) -> [{ kind, flops, ms }] (normalised by bench/encoders.mjs)
          profile: typeof enc.profile === 'function' ? async () => enc.profile(x, { output: 'pooled' })
            : typeof enc.timeLayers === 'function' ? async () => enc.timeLayers(x) : null,
          dispose: () => enc.dispose(),
        };
      },
    };
  }
  if (ENGINE === 'tfjs') {
    const { initTfjs } = await import('./tfjs_model.mjs');
    const { makeTfjsEncoder } = await import('./tfjs_encoders.mjs');
    const info = await initTfjs({ threads: THREADS });
    return {
      info: { available: true, ...info },
      async setup(req) {
        const m = makeTfjsEncoder(req.arch, readSafetensors(readFileSync(req.weights)));
        const x = readInput(req.input, req.N);
        return { run: async () => m.run(x, req.N), dispose: () => m.dispose() };
      },
    };
  }
  if (ENGINE === 'ort') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = THREADS;
    ort.env.logLevel = 'error';
    return {
      info: { available: true, version: ort.env.versions?.web, requestedThreads: THREADS },
      async setup(req) {
        const session = await ort.InferenceSession.create(readFileSync(req.onnx), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
        const x = new ort.Tensor('float32', readInput(req.input, req.N), [req.N, 3, 224, 224]);
        return {
          run: async () => (await session.run({ input: x })).output.data,
          dispose: () => session.release(),
        };
      },
      get threadsInUse() { return ort.env.wasm.numThreads; },
    };
  }
  throw new Error(`unknown engine ${ENGINE}`);
}

const engine = await loadEngine();
const models = new Map();

async function handle(req) {
  switch (req.cmd) {
    case 'info': return { ...engine.info, engine: ENGINE, build: BUILD, threadsInUse: engine.threadsInUse ?? engine.info.threads ?? THREADS };
    case 'setup': models.set(req.key, await engine.setup(req)); return { ok: true };
    case 'run': {
      const m = models.get(req.key);
      const n = req.repeat ?? 1;
      const c0 = process.cpuUsage();
      const t0 = now();
      let y;
      for (let i = 0; i < n; i++) y = await m.run();
      const seconds = (now() - t0) / 1e3 / n;
      const c = process.cpuUsage(c0);
      const cpuSeconds = (c.user + c.system) / 1e6 / n; // all threads of this process
      return req.output ? { seconds, cpuSeconds, output: Array.from(y) } : { seconds, cpuSeconds };
    }
    case 'profile': {
      const m = models.get(req.key);
      return { profile: m.profile ? await m.profile() : null };
    }
    case 'drop': models.get(req.key)?.dispose(); models.delete(req.key); return { ok: true };
    case 'quit': return { ok: true };
    default: throw new Error(`unknown command ${req.cmd}`);
  }
}

let chain = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  chain = chain.then(async () => {
    let res;
    try { res = await handle(JSON.parse(line)); } catch (e) { res = { error: String(e?.message ?? e) }; }
    process.stdout.write(JSON.stringify(res) + '\n');
    if (JSON.parse(line).cmd === 'quit') process.exit(0);
  });
});
