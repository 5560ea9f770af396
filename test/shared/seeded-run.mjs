// A small seeded training run whose result must be bit-identical in every engine: Node and
// Chromium run this same file against the same built package (dist/index.js) and compare hashes.
// Plain JavaScript so Node imports it without a loader and Vite serves it as is.
//
// Each variant runs in a fresh context (a Node child process, a browser Web Worker): recap loads
// one wasm build per context, with its thread count fixed by init(). A threads variant is one
// more entry in VARIANTS: worker threads on one shared memory (Node worker_threads, browser Web
// Workers, which need crossOriginIsolated); it must give the same hashes as threads: 1.

/** The variants both sides run. */
export const VARIANTS = [
  { name: 'simd, 1 thread', wasm: 'simd', threads: 1 },
  { name: 'simd, 2 threads', wasm: 'simd', threads: 2 },
];

/** The run: a small LSTM on a small shapes world, Adam, a few dozen steps. */
export const RUN = {
  data: { numTrain: 120, numVal: 8, seed: 7, captionsPerImage: 5 },
  model: { cellType: 'lstm', wordvecDim: 24, hiddenDim: 40, seed: 3 },
  solver: { updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, lrDecay: 0.9, batchSize: 20, numEpochs: 2, seed: 5 },
};

/** FNV-1a (32-bit) over bytes, integer ops only; chain calls through `h`. */
export function fnv1a(bytes, h = 0x811c9dc5) {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A value in [-1, 1) from (i, seed) by integer mixing only (murmur3's finaliser). */
function unit(i, seed) {
  let h = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 8) / 8388608 - 1;
}

/**
 * One image-encoder forward: MobileNetV2 (depthwise, 1×1 and 3×3 convolutions, ReLU6, residuals)
 * from weights made by integer hashing (batch-norm statistics that matter), on two seeded RGB
 * images through torchvision's preprocessing (PIL bilinear resize in wasm, crop, normalise):
 * the hash of the pooled features.
 */
async function encoderHash(recap) {
  const sd = {};
  let seed = 1;
  for (const { name, shape } of recap.encoderStateDictSpec('mobilenet_v2')) {
    const n = shape.reduce((a, b) => a * b, 1);
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    seed++;
    if (leaf === 'num_batches_tracked') { sd[name] = recap.tensor(new Int32Array(n), shape, 'int32'); continue; }
    const fan = shape.length >= 2 ? n / shape[0] : 1;
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u = unit(i, seed);
      v[i] = leaf === 'running_var' ? 0.75 + u / 4 : leaf === 'weight' && shape.length === 1 ? 1 + u / 4 : shape.length >= 2 ? u / Math.sqrt(fan) : u / 10;
    }
    sd[name] = recap.tensor(v, shape);
  }
  const encoder = await recap.loadEncoder(sd, { arch: 'mobilenet_v2' });
  const image = (w, h, s) => ({ width: w, height: h, channels: 3, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (unit(i, s) + 1) * 127.5) });
  const feats = await encoder.encode([image(45, 38, 11), image(33, 52, 12)], { resize: 40, crop: 32 });
  encoder.dispose();
  return hex(fnv1a(bytesOf(feats.data)));
}
const hex = (h) => h.toString(16).padStart(8, '0');

/**
 * Runs RUN with the given recap module (the package root) and variant. Returns JSON-safe
 * hashes: loss history (float64 bytes), each parameter (float32 bytes), all parameters, and
 * the greedy samples of the val features after training.
 */
export async function seededRun(recap, variant = VARIANTS[0]) {
  await recap.init({ wasm: variant.wasm, threads: variant.threads });
  const data = recap.shapesData(RUN.data);
  const model = new recap.CaptioningRNN({ wordToIdx: data.wordToIdx, inputDim: recap.FEATURE_DIM, ...RUN.model });
  const solver = new recap.CaptioningSolver(model, data, { ...RUN.solver, verbose: false });
  const losses = await solver.train();
  const params = model.getParams();
  const paramHashes = {};
  let all = 0x811c9dc5;
  for (const name of recap.PARAM_NAMES) {
    const b = bytesOf(params[name].data);
    paramHashes[name] = hex(fnv1a(b));
    all = fnv1a(b, all);
  }
  const samples = await model.sampleAsync(data.valFeatures, { maxLength: 12 }); // on the threads
  const encoderFeatures = await encoderHash(recap); // on the threads too
  const result = {
    variant: variant.name,
    threads: recap.threads(),
    backend: recap.backend(),
    steps: losses.length,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
    lossHash: hex(fnv1a(bytesOf(Float64Array.from(losses)))),
    paramHash: hex(all),
    paramHashes,
    sampleHash: hex(fnv1a(bytesOf(samples.data))),
    encoderHash: encoderFeatures,
  };
  solver.dispose();
  model.dispose();
  recap.dispose(); // ends the worker threads
  return result;
}
