#!/usr/bin/env node
// recap benchmark suite: `npm run bench` (full, ~5-10 min) or `npm run bench -- --quick` (~2 min).
//
// In one Node process, interleaved repetition by repetition: recap (dist/, build first),
// TF.js 4.22 with the wasm backend (1 thread) and numpy (bench/numpy_model.py in two python3
// subprocesses, OPENBLAS_NUM_THREADS=1 and =2, driven over a JSON-lines protocol; numpy times
// are measured inside python with time.perf_counter). Every figure is the median of the
// repetitions after warm-up; the repetition counts are printed with it.
//
// Sections: wasm SIMD peak (bench/peak.wat, 12 f32x4 accumulators), sgemm in the three
// transposition forms, the CS231n training step (solver step: forward, backward, Adam) and
// greedy sampling, single-image caption latency (greedy, beam 3, beam 5), step-time scaling
// with N, T and H, self-critical training against cross-entropy at the npm start configuration
// and greedy decoding with n-gram blocking (bench/scst.mjs, a process for 1 and one
// for 2 threads, timed in turn), peak memory of a training run (fresh processes), image encoders against
// TF.js-wasm, onnxruntime-web and PyTorch (bench/encoders.mjs), and PASS/MISS per target.
// Writes bench/RESULTS.md (with bench/relaxed-study.md appended) and bench/results.json.
//   --encoders-only   only the encoder section (rewrites its part of RESULTS.md); with it,
//                     --arch resnet18,mobilenet_v2,vgg16 and --batch 1,8 choose the rows
//   --no-encoders     everything but the encoder section
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { makeVocab, syntheticData, recapData, batchRows, sampleFeatures, median } from './common.mjs';
import { LineWorker } from './lineworker.mjs';
import { runEncoders, encodersMain, encoderArgs, BEGIN as ENC_BEGIN, END as ENC_END } from './encoders.mjs';
import { runScstBench } from './scst.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const QUICK = process.argv.includes('--quick');
if (process.argv.includes('--encoders-only')) {
  await encodersMain(encoderArgs(process.argv));
  process.exit(0);
}
const started = Date.now();

const C = QUICK
  ? { peakReps: 5, peakMs: 30, gemmWarm: 1, gemmReps: 3, gemmMs: 10, stepWarm: 1, stepReps: 2, sampleWarm: 1, sampleReps: 3,
    scaleWarm: 1, scaleReps: 2, scaleN: [50], scaleT: [32], scaleH: [1024], memSteps: 2, flatSteps: 100 }
  : { peakReps: 15, peakMs: 100, gemmWarm: 2, gemmReps: 9, gemmMs: 60, stepWarm: 2, stepReps: 9, sampleWarm: 2, sampleReps: 15,
    scaleWarm: 1, scaleReps: 5, scaleN: [10, 50, 100], scaleT: [8, 32, 64], scaleH: [128, 256, 1024], memSteps: 10, flatSteps: 1000 };

// the CS231n assignment-3 configuration
const BASE = { N: 25, T: 16, D: 512, W: 256, H: 512, V: 1004 };
const SAMPLE_LEN = 16;
const GEMM_SHAPES = [[25, 512, 2048], [400, 256, 2048], [400, 512, 1004], [512, 512, 512]];
const FORMS = ['nn', 'tn', 'nt'];
const FORM_NAME = { nn: 'A·B', tn: 'Aᵀ·B', nt: 'A·Bᵀ' };
const REFERENCE = {
  peak: '~37 GFLOP/s (f32x4, 12 accumulators)',
  tfjsGemm: 'TF.js 4.22 wasm: plain 21-25 GFLOP/s, transposed 0.5-1.8 GFLOP/s',
  lstmStep: 'numpy f32 1 thread 118 ms; TF.js wasm ~560 ms (hand-transposed)',
  sample: 'numpy greedy 16 steps N=25: 56 ms',
};

const log = (...a) => console.log(...a);
const now = () => performance.now();
const fmt = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const ms = (s) => s * 1e3;

// ------------------------------------------------------------------------ machine

function machine() {
  let cpu = 'unknown';
  try {
    const m = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m);
    if (m) cpu = m[1].trim();
  } catch { /* not Linux */ }
  let flags = '';
  try {
    const f = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:\s*(.*)$/m);
    if (f) flags = ['avx2', 'fma', 'avx512f'].filter((x) => f[1].split(' ').includes(x)).join(' ');
  } catch { /* ignore */ }
  return {
    cpu, cpuFlags: flags, logicalCores: os.cpus().length,
    availableParallelism: os.availableParallelism?.() ?? os.cpus().length,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

// ------------------------------------------------------------------------ numpy subprocesses

function numpyWorker(threads) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  // these two pin OpenBLAS to a slower kernel on this machine kind: unset them
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return new LineWorker('numpy', 'python3', [join(HERE, 'numpy_model.py')], env);
}

async function startNumpy() {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  } catch {
    return { note: 'python3 with numpy not found: numpy columns skipped', workers: {} };
  }
  const workers = { 1: numpyWorker(1), 2: numpyWorker(2) };
  const info = {};
  for (const t of [1, 2]) info[t] = await workers[t].request({ cmd: 'info' });
  return { workers, info };
}

// ------------------------------------------------------------------------ measurement helpers

/** Per-call seconds of a sync fn, `inner` calls per repetition; inner is calibrated to ~minMs. */
function calibrate(fn, minMs) {
  let t0 = now();
  fn();
  let dt = now() - t0;
  if (dt < minMs / 4) { t0 = now(); fn(); dt = now() - t0; }
  return Math.max(1, Math.ceil(minMs / Math.max(dt, 1e-3)));
}
function timeInner(fn, inner) {
  const t0 = now();
  for (let i = 0; i < inner; i++) fn();
  return (now() - t0) / 1e3 / inner;
}

/**
 * Interleaved repetitions: `impls` is a list of { name, once(): Promise<seconds> }; each round
 * runs every implementation once, in order; the first `warm` rounds are discarded.
 */
// A full collection of this process's heap after each TF.js repetition (its tensors' wrappers are
// garbage), so that V8's concurrent GC threads do not take a core from the next implementation
// timed, such as a 2-thread child process.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');

async function interleave(impls, warm, reps) {
  const times = Object.fromEntries(impls.map((i) => [i.name, []]));
  for (let r = 0; r < warm + reps; r++) {
    for (const impl of impls) {
      const s = await impl.once();
      if (r >= warm) times[impl.name].push(s);
      // OpenBLAS worker threads busy-wait for a while after a call; let them go to sleep
      // before the next implementation is timed (2 cores)
      if (impl.collect) collectGarbage();
      if (impl.settleMs) await new Promise((res) => setTimeout(res, impl.settleMs));
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { median: median(v), n: v.length, all: v }]));
}

// ------------------------------------------------------------------------ peak

async function measurePeak() {
  const binaryen = (await import('binaryen')).default;
  const mod = binaryen.parseText(readFileSync(join(HERE, 'peak.wat'), 'utf8'));
  mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
  if (!mod.validate()) throw new Error('peak.wat does not validate');
  const bytes = mod.emitBinary(); // not optimised: the loop stays as written
  mod.dispose();
  const { instance } = await WebAssembly.instantiate(bytes);
  const peak = instance.exports.peak;
  const FLOPS_PER_ITER = 12 * 4 * 2;
  peak(1e6);
  let t0 = now();
  peak(1e7);
  const per = (now() - t0) / 1e7;
  const iters = Math.max(1e5, Math.round(C.peakMs / per));
  /** GFLOP/s of one repetition */
  const once = () => {
    const t1 = now();
    peak(iters);
    return iters * FLOPS_PER_ITER / ((now() - t1) / 1e3) / 1e9;
  };
  const g = [];
  for (let r = 0; r < 2 + C.peakReps; r++) {
    const x = once();
    if (r >= 2) g.push(x);
  }
  return { median: median(g), max: Math.max(...g), n: g.length, itersPerRep: iters, once };
}

// ------------------------------------------------------------------------ main

const results = { date: new Date().toISOString(), quick: QUICK, machine: machine(), loadavgStart: os.loadavg(), config: C, notes: [] };
const notes = results.notes;

if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const R = await import('../dist/index.js');
await R.init({ wasm: 'simd', threads: 1 }); // recap on 2 threads runs in its own process (RC2)
const Solver = R.CaptioningSolver ?? (await import('../dist/train/solver.js')).CaptioningSolver;
if (!R.CaptioningSolver) notes.push('CaptioningSolver is not exported from the package root yet; imported from dist/solver.js');
const { kernels, scratch } = await import('../dist/core/runtime.js');
const { WasmBuffer } = await import('../dist/core/memory.js');
results.recap = { backend: R.backend(), threads: 1 };

const { initTfjs, makeSgemm, makeTfjsModel, tf } = await import('./tfjs_model.mjs');
results.tfjs = await initTfjs({ threads: 1 });
const np = await startNumpy();
if (np.note) notes.push(np.note);
results.numpy = np.info ?? null;
const NP = np.workers;
const haveNumpy = Boolean(NP[1]);
// recap on 2 worker threads: one runtime per process, so a child (bench/recap_child.mjs)
const RC2 = new LineWorker('recap 2t', process.execPath, [join(HERE, 'recap_child.mjs'), '2']);
results.recap2 = await RC2.request({ cmd: 'info' });

log(`recap bench ${QUICK ? '(--quick) ' : ''}on ${results.machine.cpu}, ${results.machine.logicalCores} logical cores, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
log(`TF.js ${results.tfjs.version} backend ${results.tfjs.backend}, threads ${results.tfjs.threads}, SIMD ${results.tfjs.simd}, multithread support ${results.tfjs.multithread}`);
if (haveNumpy) {
  for (const t of [1, 2]) {
    const i = np.info[t];
    log(`numpy ${i.numpy} (${t} thread${t > 1 ? 's' : ''}): ${i.blas_name} ${i.blas_version}, core ${i.blas_corename}, BLAS threads ${i.blas_threads}, threadpoolctl ${i.threadpoolctl ?? 'not installed'}`);
  }
}

// ---- peak
log('\n## wasm SIMD peak');
const peakK = await measurePeak();
const peakAlone = { median: peakK.median, max: peakK.max, n: peakK.n, itersPerRep: peakK.itersPerRep };
const peakSamples = [];
log(`f32x4 mul+add, 12 accumulators, alone: median ${fmt(peakAlone.median, 2)} GFLOP/s, max ${fmt(peakAlone.max, 2)} (${peakAlone.n} reps of ${peakAlone.itersPerRep} iterations); also re-measured in every sgemm round`);

// ---- sgemm
log('\n## sgemm (float32, 1 thread unless marked)');
const ks = kernels();
results.sgemm = [];
for (const [M, N, K] of GEMM_SHAPES) {
  for (const form of FORMS) {
    const flop = 2 * M * N * K;
    // recap: the kernel directly, operands in wasm memory
    const aLen = M * K, bLen = K * N;
    const A = new WasmBuffer('float32', aLen), B = new WasmBuffer('float32', bLen), Cb = new WasmBuffer('float32', M * N);
    const av = A.view(), bv = B.view();
    for (let i = 0; i < aLen; i++) av[i] = Math.random() - 0.5;
    for (let i = 0; i < bLen; i++) bv[i] = Math.random() - 0.5;
    const lda = form === 'tn' ? M : K, ldb = form === 'nt' ? K : N;
    const gemm = ks[`f32_gemm_${form}`];
    const sp = scratch(); // the calling thread's packing scratch, as the model passes it
    const recapRun = () => gemm(Cb.ptr, A.ptr, B.ptr, M, N, K, lda, ldb, N, 0, sp);
    // check a few entries against a plain dot product
    recapRun();
    let maxErr = 0;
    const cv = Cb.view(), av2 = A.view(), bv2 = B.view();
    for (let s = 0; s < 16; s++) {
      const i = Math.floor(Math.random() * M), j = Math.floor(Math.random() * N);
      let ref = 0, mag = 0;
      for (let k = 0; k < K; k++) {
        const a = form === 'tn' ? av2[k * M + i] : av2[i * K + k];
        const b = form === 'nt' ? bv2[j * K + k] : bv2[k * N + j];
        ref += a * b; mag += Math.abs(a * b);
      }
      maxErr = Math.max(maxErr, Math.abs(cv[i * N + j] - ref) / Math.max(mag, 1e-30));
    }
    const impls = [{ name: 'peak', once: async () => 1 / peakK.once() }]; // stored as 1/GFLOP/s so the median helper applies
    const inner = {};
    inner.recap = calibrate(recapRun, C.gemmMs);
    impls.push({ name: 'recap', once: async () => timeInner(recapRun, inner.recap) });
    const tfFlags = makeSgemm(M, N, K, form, 'flags');
    inner.tfjsFlags = calibrate(tfFlags.run, C.gemmMs);
    impls.push({ name: 'tfjsFlags', once: async () => timeInner(tfFlags.run, inner.tfjsFlags), collect: true });
    let tfHand = null;
    if (form !== 'nn') {
      tfHand = makeSgemm(M, N, K, form, 'hand');
      inner.tfjsHand = calibrate(tfHand.run, C.gemmMs);
      impls.push({ name: 'tfjsHand', once: async () => timeInner(tfHand.run, inner.tfjsHand), collect: true });
    }
    if (haveNumpy) {
      for (const t of [1, 2]) {
        const req = { cmd: 'sgemm', M, N, K, form, dtype: 'float32', inner: 1 };
        await NP[t].request(req);
        const s = (await NP[t].request(req)).seconds;
        const n = Math.max(1, Math.ceil(C.gemmMs / 1e3 / Math.max(s, 1e-7)));
        impls.push({ name: `numpy${t}`, once: async () => (await NP[t].request({ ...req, inner: n })).seconds, settleMs: t > 1 ? 150 : 0 });
      }
    }
    const r = await interleave(impls, C.gemmWarm, C.gemmReps);
    for (const x of r.peak.all) peakSamples.push(1 / x);
    const peakHere = 1 / r.peak.median;
    A.free(); B.free(); Cb.free(); tfFlags.dispose(); tfHand?.dispose();
    const gf = (k) => (r[k] ? flop / r[k].median / 1e9 : null);
    const row = {
      M, N, K, form, reps: C.gemmReps, recapRelErr: maxErr,
      recap: gf('recap'), tfjsFlags: gf('tfjsFlags'), tfjsHand: gf('tfjsHand'), numpy1: gf('numpy1'), numpy2: gf('numpy2'),
    };
    row.tfjsBest = Math.max(row.tfjsFlags ?? 0, row.tfjsHand ?? 0);
    row.peakSameRounds = peakHere;
    row.fracPeak = row.recap / peakHere;
    results.sgemm.push(row);
    log(`(${M},${N},${K}) ${FORM_NAME[form].padEnd(5)} recap ${fmt(row.recap, 2).padStart(6)} GFLOP/s (${fmt(100 * row.fracPeak, 0)}% of peak ${fmt(peakHere, 1)})` +
      `  tfjs flags ${fmt(row.tfjsFlags, 2)}${row.tfjsHand ? ` hand ${fmt(row.tfjsHand, 2)}` : ''}` +
      (haveNumpy ? `  numpy 1t ${fmt(row.numpy1, 1)} 2t ${fmt(row.numpy2, 1)}` : '') + `  [recap check rel err ${maxErr.toExponential(1)}]`);
  }
}

results.peak = { ...peakAlone, interleavedMedian: median(peakSamples), interleavedMax: Math.max(...peakSamples), interleavedN: peakSamples.length };
const PEAK = results.peak.interleavedMedian;
log(`peak re-measured in the sgemm rounds: median ${fmt(PEAK, 2)} GFLOP/s, max ${fmt(results.peak.interleavedMax, 2)} (${peakSamples.length} reps)`);

// ---- training step and greedy sampling at the CS231n configuration
log('\n## training step (solver step: forward + backward + Adam) and greedy sampling, CS231n config');
const wordToIdxBase = makeVocab(BASE.V);
results.step = [];
results.sample = [];

/**
 * recap at cfg. variant 'full': every caption runs all T steps (no <NULL> padding for the step
 * to skip); 'cold': every sampling call follows a parameter write, so nothing cached is used.
 */
function makeRecap(cfg, cell, dtype, variant = '') {
  const { N, T, D, W, H, V } = cfg;
  const wordToIdx = wordToIdxBase && V === BASE.V ? wordToIdxBase : makeVocab(V);
  const d = syntheticData(N, T, D, V, 0);
  if (variant === 'full') for (let i = 0; i < d.caps.length; i++) if (i % d.L !== 0 && d.caps[i] < 3) d.caps[i] = 3 + (i % (V - 3));
  const model = new R.CaptioningRNN({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: cell, dtype, seed: 0 });
  const solver = new Solver(model, recapData(R, d, D, wordToIdx), {
    updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, batchSize: N, numEpochs: 1e6, verbose: false,
    sampler: (it) => batchRows(it, N, d.numCaptions),
  });
  const feats = R.tensor(sampleFeatures(d, N, D), [N, D], 'float32');
  const losses = [];
  return {
    step: async () => { const t0 = now(); const { loss } = solver.step(); const s = (now() - t0) / 1e3; losses.push(loss); return s; },
    sample: async () => {
      if (variant === 'cold') model.setParams({ b_vocab: model.getParams().b_vocab }); // same values, new version
      const t0 = now(); model.sample(feats, { maxLength: SAMPLE_LEN }); return (now() - t0) / 1e3;
    },
    losses,
    dispose: () => { solver.dispose(); model.dispose(); },
  };
}
function makeTf(cfg, cell, variant) {
  const m = makeTfjsModel({ cell, ...cfg, variant });
  const losses = [];
  return {
    step: async () => { const t0 = now(); losses.push(m.step()); return (now() - t0) / 1e3; },
    sample: async () => { const t0 = now(); m.sample(SAMPLE_LEN); return (now() - t0) / 1e3; },
    losses,
    dispose: () => m.dispose(),
  };
}
let keyNo = 0;
/** A model in a child process (numpy on t threads, or recap on 2 threads). */
async function makeChild(worker, cfg, cell, dtype) {
  const key = `m${keyNo++}`;
  await worker.request({ cmd: 'setup', key, cell, dtype, ...cfg, seed: 0 });
  const losses = [];
  let paramDtype = null;
  return {
    step: async () => { const r = await worker.request({ cmd: 'step', key }); losses.push(r.loss); paramDtype = r.paramDtype; return r.seconds; },
    sample: async () => (await worker.request({ cmd: 'sample', key, maxLength: SAMPLE_LEN })).seconds,
    losses,
    get paramDtype() { return paramDtype; },
    dispose: () => worker.request({ cmd: 'drop', key }),
  };
}
const makeNp = (t, cfg, cell, dtype) => makeChild(NP[t], cfg, cell, dtype);

for (const cell of ['lstm', 'rnn']) {
  for (const dtype of ['float32', 'float64']) {
    const impls = { recap: makeRecap(BASE, cell, dtype), recap2: await makeChild(RC2, BASE, cell, dtype) };
    if (dtype === 'float32') {
      impls.tfjsFlags = makeTf(BASE, cell, 'flags');
      impls.tfjsHand = makeTf(BASE, cell, 'hand');
    }
    if (haveNumpy) for (const t of [1, 2]) impls[`numpy${t}`] = await makeNp(t, BASE, cell, dtype);
    // LSTM f32: recap with unpadded captions (step) and without its decoding caches (sampling), in the same rounds
    const extra = cell === 'lstm' && dtype === 'float32' ? { recapFull: makeRecap(BASE, cell, dtype, 'full'), recapCold: makeRecap(BASE, cell, dtype, 'cold') } : {};
    const names = Object.keys(impls);
    const settle = (n) => (n === 'numpy2' ? 150 : n.startsWith('tfjs') ? 50 : 0);
    const entry = (n, what) => ({ name: n, once: (impls[n] ?? extra[n])[what], settleMs: settle(n), collect: n.startsWith('tfjs') });
    const st = await interleave([...names, ...('recapFull' in extra ? ['recapFull'] : [])].map((n) => entry(n, 'step')), C.stepWarm, C.stepReps);
    const sa = await interleave([...names, ...('recapCold' in extra ? ['recapCold'] : [])].map((n) => entry(n, 'sample')), C.sampleWarm, C.sampleReps);
    const pick = (r, k) => (r[k] ? ms(r[k].median) : null);
    const rowOf = (r, reps, extra = {}) => {
      const row = {
        cell, dtype, reps, recap: pick(r, 'recap'), recap2: pick(r, 'recap2'),
        tfjsFlags: pick(r, 'tfjsFlags'), tfjsHand: pick(r, 'tfjsHand'), numpy1: pick(r, 'numpy1'), numpy2: pick(r, 'numpy2'), ...extra,
      };
      row.tfjs = row.tfjsFlags === null ? null : Math.min(row.tfjsFlags, row.tfjsHand);
      row.tfjsVariant = row.tfjs === null ? null : row.tfjsFlags <= row.tfjsHand ? 'flags' : 'hand';
      row.speedupVsTfjs = row.tfjs === null ? null : row.tfjs / row.recap;
      row.speedupVsNumpy1 = row.numpy1 === null ? null : row.numpy1 / row.recap;
      row.speedupVsNumpy2 = row.numpy2 === null ? null : row.numpy2 / row.recap;
      row.speedup2VsNumpy2 = row.numpy2 === null ? null : row.numpy2 / row.recap2; // both on 2 threads
      row.speedup2VsTfjs = row.tfjs === null ? null : row.tfjs / row.recap2;
      row.threadScaling = row.recap / row.recap2;
      return row;
    };
    const firstLoss = Object.fromEntries(names.map((n) => [n, impls[n].losses[0]]));
    const raw = (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.all.map((s) => +(s * 1e3).toFixed(3))]));
    const srow = rowOf(st, C.stepReps, { firstLoss, numpyParamDtype: impls.numpy1?.paramDtype ?? null, rawMs: raw(st), recapFull: pick(st, 'recapFull') });
    const sarow = rowOf(sa, C.sampleReps, { rawMs: raw(sa), recapCold: pick(sa, 'recapCold') });
    results.step.push(srow);
    results.sample.push(sarow);
    log(`${cell} ${dtype} step   recap ${fmt(srow.recap)} ms, 2t ${fmt(srow.recap2)} ms | tfjs ${srow.tfjs === null ? 'n/a' : `${fmt(srow.tfjs)} ms (flags ${fmt(srow.tfjsFlags)}, hand ${fmt(srow.tfjsHand)})`}` +
      (haveNumpy ? ` | numpy 1t ${fmt(srow.numpy1)} 2t ${fmt(srow.numpy2)} ms` : '') +
      `  first-step loss: ${names.map((n) => `${n} ${fmt(firstLoss[n], 2)}`).join(', ')}`);
    log(`${cell} ${dtype} sample recap ${fmt(sarow.recap)} ms, 2t process ${fmt(sarow.recap2)} ms | tfjs ${sarow.tfjs === null ? 'n/a' : `${fmt(sarow.tfjs)} ms (flags ${fmt(sarow.tfjsFlags)}, hand ${fmt(sarow.tfjsHand)})`}` +
      (haveNumpy ? ` | numpy 1t ${fmt(sarow.numpy1)} 2t ${fmt(sarow.numpy2)} ms` : ''));
    for (const n of names) await impls[n].dispose();
    for (const x of Object.values(extra)) x.dispose();
  }
}

// ---- single-image caption latency: greedy, beam 3, beam 5 (what a web page does per image)
log('\n## single-image caption latency (LSTM float32, CS231n config, maxLength 16, 1 thread): greedy, beam 3, beam 5');
results.latency = [];
{
  const { D, W, H } = BASE;
  const d = syntheticData(BASE.N, BASE.T, D, BASE.V, 0);
  const model = new R.CaptioningRNN({ wordToIdx: wordToIdxBase, inputDim: D, wordvecDim: W, hiddenDim: H, cellType: 'lstm', dtype: 'float32', seed: 0 });
  // steady state of a page that captions images one by one: the folded table W_embed·Wx is built
  // once V rows have been decoded with these weights (here by one 25-image greedy call)
  model.sample(R.tensor(sampleFeatures(d, BASE.N, D), [BASE.N, D], 'float32'), { maxLength: SAMPLE_LEN });
  const feats = R.tensor(sampleFeatures(d, 1, D), [1, D], 'float32');
  const tfm = makeTfjsModel({ cell: 'lstm', ...BASE, variant: 'flags' });
  const npKey = haveNumpy ? `m${keyNo++}` : null;
  if (npKey) await NP[1].request({ cmd: 'setup', key: npKey, cell: 'lstm', dtype: 'float32', ...BASE, seed: 0 });
  for (const k of [1, 3, 5]) {
    const impls = [
      { name: 'recap', once: async () => { const t0 = now(); model.sample(feats, { maxLength: SAMPLE_LEN, beamSize: k }); return (now() - t0) / 1e3; } },
      { name: 'tfjs', once: async () => { const t0 = now(); tfm.sampleOne(SAMPLE_LEN, k); return (now() - t0) / 1e3; }, collect: true, settleMs: 50 },
    ];
    if (npKey) impls.push({ name: 'numpy1', once: async () => (await NP[1].request({ cmd: 'sample_one', key: npKey, maxLength: SAMPLE_LEN, beamSize: k })).seconds });
    const r = await interleave(impls, C.sampleWarm, C.sampleReps);
    const row = { beam: k, reps: C.sampleReps, recap: ms(r.recap.median), tfjs: ms(r.tfjs.median), numpy1: r.numpy1 ? ms(r.numpy1.median) : null };
    results.latency.push(row);
    log(`${k === 1 ? 'greedy ' : `beam ${k} `} recap ${fmt(row.recap)} ms | tfjs ${fmt(row.tfjs)} ms` + (row.numpy1 !== null ? ` | numpy 1t ${fmt(row.numpy1)} ms` : ''));
  }
  const g = results.latency[0].recap;
  for (const row of results.latency) row.recapVsGreedy = row.recap / g;
  if (npKey) await NP[1].request({ cmd: 'drop', key: npKey });
  tfm.dispose();
  model.dispose();
}

// ---- scaling (recap, and numpy 1 thread for comparison): LSTM float32, one dimension at a time
log(`\n## scaling of the LSTM float32 step time (recap${haveNumpy ? '; numpy 1 thread alongside' : ''})`);
results.scaling = [];
const points = [{ dim: 'base', ...BASE }];
for (const N of C.scaleN) points.push({ dim: 'N', ...BASE, N });
for (const T of C.scaleT) points.push({ dim: 'T', ...BASE, T });
for (const H of C.scaleH) points.push({ dim: 'H', ...BASE, H });
for (const pt of points) {
  const cfg = { N: pt.N, T: pt.T, D: pt.D, W: pt.W, H: pt.H, V: pt.V };
  const impls = { recap: makeRecap(cfg, 'lstm', 'float32') };
  if (haveNumpy) impls.numpy1 = await makeNp(1, cfg, 'lstm', 'float32');
  const names = Object.keys(impls);
  const r = await interleave(names.map((n) => ({ name: n, once: impls[n].step })), C.scaleWarm, C.scaleReps);
  // useful work: the matmul flops of one step (forward 1x, backward 2x)
  const G = 4 * cfg.H, NT = cfg.N * cfg.T;
  const gflop = 3 * 2 * (cfg.N * cfg.D * cfg.H + NT * cfg.W * G + NT * cfg.H * G + NT * cfg.H * cfg.V) / 1e9;
  const row = { dim: pt.dim, ...cfg, reps: C.scaleReps, recap: ms(r.recap.median), numpy1: r.numpy1 ? ms(r.numpy1.median) : null, gflop };
  row.recapGflops = gflop / (row.recap / 1e3);
  results.scaling.push(row);
  log(`${pt.dim.padEnd(4)} N=${cfg.N} T=${cfg.T} H=${cfg.H}: recap ${fmt(row.recap)} ms (${fmt(row.recapGflops, 1)} GFLOP/s of matmul work)` +
    (row.numpy1 !== null ? `, numpy 1t ${fmt(row.numpy1)} ms` : ''));
  for (const n of names) await impls[n].dispose();
}

for (const t of [1, 2]) await NP[t]?.close();
await RC2.close();

// ---- self-critical training against cross-entropy, n-gram blocking (bench/scst.mjs, two processes timed in turn)
log('\n## SCST iteration vs XE iteration at the npm start configuration; greedy with blockRepeatNgrams (1 and 2 threads)');
try {
  results.scst = await runScstBench(QUICK);
  for (const r of results.scst.rows) {
    log(`${r.threads} thread${r.threads > 1 ? 's' : ''}: XE ${fmt(r.xe, 2)} ms, SCST ${fmt(r.scst, 2)} ms (${fmt(r.scst / r.xe, 2)}x); greedy 500 images ${fmt(r.greedy)} ms, blockRepeatNgrams 2 ${fmt(r.blocked)} ms (${fmt(r.blocked / r.greedy, 2)}x)`);
  }
} catch (e) {
  results.scst = { error: String(e.message).split('\n')[0] };
  log(`SCST bench failed: ${results.scst.error}`);
}

// ---- peak memory (fresh processes)
log('\n## peak memory of a training run (LSTM, CS231n config, fresh process each)');
results.memory = [];
function runChild(cmd, args, env = process.env) {
  try {
    const out = execFileSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300000 });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (e) {
    return { error: String(e.message).split('\n')[0] };
  }
}
const memSpec = { cell: 'lstm', ...BASE, steps: C.memSteps };
const memRuns = [
  ['recap', 'float32', () => runChild(process.execPath, [join(HERE, 'memrun.mjs'), 'recap', JSON.stringify({ ...memSpec, dtype: 'float32' })])],
  ['recap', 'float64', () => runChild(process.execPath, [join(HERE, 'memrun.mjs'), 'recap', JSON.stringify({ ...memSpec, dtype: 'float64' })])],
  ['tfjs', 'float32', () => runChild(process.execPath, [join(HERE, 'memrun.mjs'), 'tfjs', JSON.stringify({ ...memSpec, dtype: 'float32' })])],
];
if (haveNumpy) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  for (const dtype of ['float32', 'float64']) {
    memRuns.push(['numpy', dtype, () => runChild('python3', [join(HERE, 'numpy_model.py'), '--memrun', JSON.stringify({ ...memSpec, dtype })], env)]);
  }
}
// flat memory: one long recap run, RSS and wasm memory sampled after warm-up
{
  const r = runChild(process.execPath, [join(HERE, 'memrun.mjs'), 'recap', JSON.stringify({ ...memSpec, dtype: 'float32', steps: C.flatSteps, every: 50 })]);
  if (r.error) results.flat = { error: r.error };
  else {
    const first = r.samples[0], last = r.samples[r.samples.length - 1];
    const maxRss = Math.max(...r.samples.map((x) => x.rssBytes));
    results.flat = { steps: C.flatSteps, samples: r.samples, rssGrowthMiB: (last.rssBytes - first.rssBytes) / 2 ** 20,
      rssMaxOverWarmMiB: (maxRss - first.rssBytes) / 2 ** 20, wasmGrowthBytes: last.wasmBytes - first.wasmBytes };
  }
  log(results.flat.error ? `flat memory run failed: ${results.flat.error}` :
    `flat memory, recap LSTM f32, ${C.flatSteps} steps: RSS ${fmt(first(results.flat).rssBytes / 2 ** 20)} MiB at step 10 → ${fmt(lastOf(results.flat).rssBytes / 2 ** 20)} MiB at step ${C.flatSteps} (growth ${fmt(results.flat.rssGrowthMiB, 1)} MiB), wasm memory growth ${results.flat.wasmGrowthBytes} B`);
}
function first(f) { return f.samples[0]; }
function lastOf(f) { return f.samples[f.samples.length - 1]; }

for (const [impl, dtype, run] of memRuns) {
  const r = run();
  const row = { impl, dtype, steps: C.memSteps, maxRssMiB: r.maxRssBytes / 2 ** 20, rssBeforeModelMiB: r.rssBeforeModelBytes / 2 ** 20,
    wasmMiB: r.wasmMemoryBytes ? r.wasmMemoryBytes / 2 ** 20 : null, wasmInUseMiB: r.wasmInUseBytes ? r.wasmInUseBytes / 2 ** 20 : null, error: r.error };
  results.memory.push(row);
  log(row.error ? `${impl} ${dtype}: failed: ${row.error}` :
    `${impl.padEnd(5)} ${dtype}: peak RSS ${fmt(row.maxRssMiB)} MiB (${fmt(row.rssBeforeModelMiB)} MiB before the model)` +
    (row.wasmMiB !== null ? `, wasm memory ${fmt(row.wasmMiB)} MiB${row.wasmInUseMiB !== null ? ` (${fmt(row.wasmInUseMiB)} MiB allocated)` : ''}` : ''));
}

// ---- image encoders (their own child processes: recap 1t/2t/relaxed, TF.js, ORT-web, PyTorch)
const enc = process.argv.includes('--no-encoders') ? null : await runEncoders({ quick: QUICK, log });
if (enc) results.encoders = enc.results;
else notes.push('encoder section skipped (--no-encoders)');

// ---- targets
const targets = [];
const verdict = (ok) => (ok === null ? 'SKIP' : ok ? 'PASS' : 'MISS');
const g512 = results.sgemm.find((r) => r.M === 512 && r.form === 'nn');
targets.push({ target: 'sgemm f32 1 thread A·B at 512³ ≥ 80% of the measured wasm SIMD peak', value: `${fmt(100 * g512.fracPeak, 0)}% (${fmt(g512.recap, 2)} of ${fmt(g512.peakSameRounds, 2)} GFLOP/s, the peak kernel's median in the same rounds)`, ok: g512.fracPeak >= 0.8 });
for (const [M, N, K] of GEMM_SHAPES) {
  const rows = results.sgemm.filter((r) => r.M === M && r.N === N && r.K === K);
  const plain = rows.find((r) => r.form === 'nn').recap;
  const worst = Math.min(...rows.filter((r) => r.form !== 'nn').map((r) => r.recap / plain));
  targets.push({ target: `sgemm (${M},${N},${K}): Aᵀ·B and A·Bᵀ within 15% of A·B (each ≥ 85% of A·B GFLOP/s)`, value: `slowest transposed form at ${fmt(100 * worst, 0)}% of A·B`, ok: worst >= 0.85 });
}
const lstm32 = results.step.find((r) => r.cell === 'lstm' && r.dtype === 'float32');
targets.push({ target: 'LSTM step f32 ≥ 4x faster than TF.js wasm (its faster variant), both 1 thread', value: `${fmt(lstm32.speedupVsTfjs, 2)}x (${fmt(lstm32.recap)} vs ${fmt(lstm32.tfjs)} ms); recap on 2 threads: ${fmt(lstm32.speedup2VsTfjs, 2)}x`, ok: lstm32.speedupVsTfjs >= 4 });
targets.push({ target: 'LSTM step f32 within 1.3x of numpy 1 thread (recap ≤ 1.3 × numpy)', value: lstm32.numpy1 === null ? 'numpy n/a' : `recap/numpy = ${fmt(lstm32.recap / lstm32.numpy1, 2)} (${fmt(lstm32.recap)} vs ${fmt(lstm32.numpy1)} ms)`, ok: lstm32.numpy1 === null ? null : lstm32.recap <= 1.3 * lstm32.numpy1 });
targets.push({ target: 'LSTM step f32 on 2 threads faster than numpy on 2 threads', value: lstm32.numpy2 === null ? 'numpy n/a' : `recap 2t/numpy 2t = ${fmt(lstm32.recap2 / lstm32.numpy2, 2)} (${fmt(lstm32.recap2)} vs ${fmt(lstm32.numpy2)} ms)`, ok: lstm32.numpy2 === null ? null : lstm32.recap2 < lstm32.numpy2 });
targets.push({ target: 'LSTM step f32: 2 threads ≥ 1.7x the 1-thread throughput', value: `${fmt(lstm32.threadScaling, 2)}x (${fmt(lstm32.recap)} → ${fmt(lstm32.recap2)} ms)`, ok: lstm32.threadScaling >= 1.7 });
const samp32 = results.sample.find((r) => r.cell === 'lstm' && r.dtype === 'float32');
targets.push({ target: 'greedy sampling LSTM f32 N=25 at least as fast as numpy 1 thread', value: samp32.numpy1 === null ? 'numpy n/a' : `recap/numpy = ${fmt(samp32.recap / samp32.numpy1, 2)} (${fmt(samp32.recap)} vs ${fmt(samp32.numpy1)} ms)`, ok: samp32.numpy1 === null ? null : samp32.recap <= samp32.numpy1 });
const fl = results.flat;
const beam3 = results.latency.find((r) => r.beam === 3);
targets.push({ target: 'beam 3 of one image (LSTM f32, CS231n config, 16 words, 1 thread) within 2x greedy', value: `${fmt(beam3.recapVsGreedy, 2)}x (${fmt(beam3.recap)} vs ${fmt(results.latency[0].recap)} ms; beam 5: ${fmt(results.latency[2].recapVsGreedy, 2)}x)`, ok: beam3.recapVsGreedy <= 2 });
const sc = results.scst;
if (sc.error) targets.push({ target: 'SCST / XE iteration and n-gram blocking', value: `failed: ${sc.error}`, ok: false });
else {
  const [s1, s2] = sc.rows;
  targets.push({ target: 'an SCST iteration (k = 5, greedy baseline, CIDEr-D) ≤ 6x an XE iteration at the npm start configuration, 1 and 2 threads', value: `${fmt(sc.scstOverXe1, 2)}x on 1 thread (${fmt(s1.scst)} vs ${fmt(s1.xe)} ms), ${fmt(sc.scstOverXe2, 2)}x on 2 (${fmt(s2.scst)} vs ${fmt(s2.xe)} ms)`, ok: sc.scstOverXe1 <= 6 && sc.scstOverXe2 <= 6 });
  targets.push({ target: 'an SCST iteration ≥ 1.6x faster on 2 threads than on 1', value: `${fmt(sc.scstThreadSpeedup, 2)}x (${fmt(s1.scst)} → ${fmt(s2.scst)} ms)`, ok: sc.scstThreadSpeedup >= 1.6 });
  targets.push({ target: 'greedy decoding with blockRepeatNgrams within 1.2x of plain greedy (500 images, 16 words)', value: `${fmt(sc.blockedOverGreedy1, 2)}x on 1 thread, ${fmt(sc.blockedOverGreedy2, 2)}x on 2`, ok: sc.blockedOverGreedy1 <= 1.2 && sc.blockedOverGreedy2 <= 1.2 });
}
targets.push({ target: `resident memory flat after warm-up over a ${C.flatSteps}-step training run (RSS growth < 8 MiB, wasm memory unchanged)`,
  value: fl.error ? `failed: ${fl.error}` : `RSS growth ${fmt(fl.rssGrowthMiB, 1)} MiB (max ${fmt(fl.rssMaxOverWarmMiB, 1)} MiB over step 10), wasm memory growth ${fl.wasmGrowthBytes} B`,
  ok: fl.error ? false : fl.rssGrowthMiB < 8 && fl.wasmGrowthBytes === 0 });
for (const t of targets) t.verdict = verdict(t.ok);
if (enc) targets.push(...enc.targets);
results.targets = targets;
results.loadavgEnd = os.loadavg();
results.seconds = (Date.now() - started) / 1e3;
const busy = Math.max(...results.loadavgStart, ...results.loadavgEnd) > 0.5 * results.machine.logicalCores;
if (busy) notes.push(`the machine was busy (load average up to ${fmt(Math.max(...results.loadavgStart, ...results.loadavgEnd), 2)} on ${results.machine.logicalCores} cores): figures are noisy`);

log('\n## targets');
for (const t of targets) log(`${t.verdict}  ${t.target}: ${t.value}`);
log(`\n${QUICK ? 'quick run' : 'full run'} in ${fmt(results.seconds, 0)} s`);
for (const n of notes) log(`note: ${n}`);

// ------------------------------------------------------------------------ RESULTS.md
const md = [];
const m = results.machine;
md.push('# recap benchmark results', '');
md.push(`Latest run of \`npm run bench${QUICK ? ' -- --quick' : ''}\` (${QUICK ? 'quick: few repetitions' : 'full'}), written by bench/run.mjs.`, '');
md.push(`- Date: ${results.date}`);
md.push(`- Machine: ${m.cpu} (${m.cpuFlags}), ${m.logicalCores} logical cores, ${m.memGiB} GiB; ${m.platform}`);
md.push(`- Load average at start / end: ${results.loadavgStart.map((x) => x.toFixed(2)).join(' ')} / ${results.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}`);
md.push(`- Node ${m.node} (V8 ${m.v8}); recap ${results.recap.backend} build, 1 thread in the bench process, and ${results.recap2.threads} threads (${results.recap2.backend} build on shared memory) in a child process (bench/recap_child.mjs) for the "recap 2t" columns`);
md.push(`- TF.js ${results.tfjs.version}, backend ${results.tfjs.backend}, threads ${results.tfjs.threads} (setThreadsCount(1)), SIMD ${results.tfjs.simd}, multithread support ${results.tfjs.multithread}`);
if (haveNumpy) {
  const i1 = np.info[1], i2 = np.info[2];
  md.push(`- numpy ${i1.numpy} (python ${i1.python}), ${i1.blas_name} ${i1.blas_version}; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset in the subprocesses; run-time core kernel: ${i1.blas_corename}; threads: ${i1.blas_threads} and ${i2.blas_threads} (OPENBLAS_NUM_THREADS in two subprocesses; threadpoolctl ${i1.threadpoolctl ?? 'not installed'})`);
} else md.push('- numpy: not available, columns skipped');
md.push(`- Repetitions: figures are medians over the stated number of repetitions after warm-up (sgemm ${C.gemmWarm}, step ${C.stepWarm}, sampling ${C.sampleWarm} warm-up rounds); recap, TF.js and numpy repetitions are interleaved round by round in one run. Run time ${fmt(results.seconds, 0)} s.`);
for (const n of notes) md.push(`- Note: ${n}`);
md.push('');
md.push('## Targets', '', '| | target | measured |', '|---|---|---|');
for (const t of targets) md.push(`| **${t.verdict}** | ${t.target} | ${t.value} |`);
md.push('');
md.push('## WebAssembly SIMD peak', '');
md.push(`bench/peak.wat (compiled in the bench with binaryen, unoptimised): 12 independent f32x4 accumulators, each \`acc = acc*m + c\` (f32x4.mul + f32x4.add, 8 flops) per iteration, no memory traffic. Measured alone at the start: median ${fmt(peakAlone.median, 2)} GFLOP/s, max ${fmt(peakAlone.max, 2)} (${peakAlone.n} repetitions of ${peakAlone.itersPerRep} iterations). Re-measured once in every interleaved sgemm round: median **${fmt(PEAK, 2)} GFLOP/s**, max ${fmt(results.peak.interleavedMax, 2)} (${results.peak.interleavedN} repetitions). The "% of peak" column divides by the peak kernel's median in the same rounds as that row. Reference: ${REFERENCE.peak}.`, '');
md.push('## sgemm (float32), GFLOP/s', '');
md.push('C = op(A)·op(B), C is (M,N), K the inner dimension; Aᵀ·B reads A stored (K,M), A·Bᵀ reads B stored (N,K). recap: `f32_gemm_{nn,tn,nt}` called directly on wasm memory (1 thread). TF.js: `tf.matMul` with transposeA/transposeB flags, and "hand" = `tf.transpose` of the stored operand then plain matMul, timed together (includes `dataSync`). numpy: `np.matmul(A, B, out=C)` on transposed views (BLAS gets the flag). ' +
  `Median of ${C.gemmReps} repetitions, each ≥ ${C.gemmMs} ms of calls. Ratios are recap ÷ peer (>1: recap faster). Reference: ${REFERENCE.tfjsGemm}.`, '');
md.push('| M,N,K | form | recap | % of peak (same rounds) | TF.js flags | TF.js hand | numpy 1t | numpy 2t | recap/TF.js (best) | recap/numpy 1t |', '|---|---|---|---|---|---|---|---|---|---|');
for (const r of results.sgemm) {
  md.push(`| ${r.M},${r.N},${r.K} | ${FORM_NAME[r.form]} | ${fmt(r.recap, 2)} | ${fmt(100 * r.fracPeak, 0)}% | ${fmt(r.tfjsFlags, 2)} | ${r.form === 'nn' ? '(= flags)' : fmt(r.tfjsHand, 2)} | ${fmt(r.numpy1, 1)} | ${fmt(r.numpy2, 1)} | ${fmt(r.recap / r.tfjsBest, 2)} | ${r.numpy1 ? fmt(r.recap / r.numpy1, 2) : 'n/a'} |`);
}
md.push('');
md.push('## Training step at the CS231n configuration, ms', '');
md.push(`N=${BASE.N}, T=${BASE.T}, D=${BASE.D}, W=${BASE.W}, H=${BASE.H}, V=${BASE.V}. One solver iteration: minibatch gather, forward, backward, Adam (assignment-3 form, lr 1e-3) on all 8 parameters. recap: \`CaptioningSolver.step()\` (updateRule 'adam', function sampler). TF.js: the same model written with tf ops, CS231n structure (step functions looped over T, per-step weight gradients), variants "flags" and "hand" (see bench/tfjs_model.mjs); its figure is the faster one. numpy: bench/numpy_model.py, the assignment's rnn_layers.py / rnn.py / optim.py / solver step. ` +
  `Median of ${C.stepReps} repetitions. Speed-ups are peer time ÷ recap time (>1: recap faster). Reference: ${REFERENCE.lstmStep}.`, '');
md.push('| cell | dtype | recap 1t | recap 2t | TF.js (flags / hand) | numpy 1t | numpy 2t | vs TF.js | vs numpy 1t | vs numpy 2t | first-step loss (recap / TF.js / numpy) |', '|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results.step) {
  const fl = r.firstLoss;
  md.push(`| ${r.cell} | ${r.dtype} | ${fmt(r.recap)} | ${fmt(r.recap2)} | ${r.tfjs === null ? 'n/a (no float64 in TF.js)' : `**${fmt(r.tfjs)}** (${fmt(r.tfjsFlags)} / ${fmt(r.tfjsHand)})`} | ${fmt(r.numpy1)} | ${fmt(r.numpy2)} | ${r.speedupVsTfjs === null ? 'n/a' : fmt(r.speedupVsTfjs, 2) + 'x'} | ${r.speedupVsNumpy1 === null ? 'n/a' : fmt(r.speedupVsNumpy1, 2) + 'x'} | ${r.speedupVsNumpy2 === null ? 'n/a' : fmt(r.speedupVsNumpy2, 2) + 'x'} | ${fmt(fl.recap, 2)} / ${fl.tfjsFlags === undefined ? 'n/a' : fmt(fl.tfjsFlags, 2)} / ${fl.numpy1 === undefined ? 'n/a' : fmt(fl.numpy1, 2)} |`);
}
const fullRow = results.step.find((r) => r.recapFull !== null && r.recapFull !== undefined);
if (fullRow) md.push('', `recap runs each caption only up to its last scored word (its rows sorted by length, the padded steps skipped, as cuDNN's and PyTorch's packed sequences do; loss and gradients equal the all-steps computation to rounding), while the numpy and TF.js models compute every step. The synthetic captions have 5-15 words, so about 31% of the recurrent steps are padding. On captions with no padding (all ${BASE.T} steps scored), recap's LSTM float32 step takes ${fmt(fullRow.recapFull)} ms on 1 thread (same rounds). numpy and TF.js compute all steps either way, so padding does not change their figures.`);
md.push('', 'recap 2t: `init({ threads: 2 })` and `CaptioningSolver.stepAsync()` in a child process: length-sorted batch rows, then weight-gradient columns, split over the two threads (bit-identical to 1 thread); its "vs numpy 2t" figure is numpy 2t ÷ recap 2t: ' +
  results.step.map((r) => `${r.cell} ${r.dtype} ${r.speedup2VsNumpy2 === null ? 'n/a' : fmt(r.speedup2VsNumpy2, 2) + 'x'}`).join(', ') + '. TF.js 2 threads: n/a — the Node build of the wasm backend has no multithread support (reported above). The first-step loss is a sanity check only: each implementation draws its own random data and weights from the same distributions, so the values agree only roughly (≈ log V per unmasked word).', '');
md.push('## Greedy sampling, ms', '');
md.push(`${SAMPLE_LEN} steps (maxLength ${SAMPLE_LEN}, argmax, no early stop) for N=${BASE.N} images, CS231n config. recap: \`model.sample(features, { maxLength: ${SAMPLE_LEN} })\`. Median of ${C.sampleReps} repetitions. Reference: ${REFERENCE.sample}.`, '');
md.push('| cell | dtype | recap 1t | recap 2t | TF.js (flags / hand) | numpy 1t | numpy 2t | vs TF.js | vs numpy 1t | vs numpy 2t |', '|---|---|---|---|---|---|---|---|---|---|');
for (const r of results.sample) {
  md.push(`| ${r.cell} | ${r.dtype} | ${fmt(r.recap)} | ${fmt(r.recap2)} | ${r.tfjs === null ? 'n/a' : `**${fmt(r.tfjs)}** (${fmt(r.tfjsFlags)} / ${fmt(r.tfjsHand)})`} | ${fmt(r.numpy1)} | ${fmt(r.numpy2)} | ${r.speedupVsTfjs === null ? 'n/a' : fmt(r.speedupVsTfjs, 2) + 'x'} | ${r.speedupVsNumpy1 === null ? 'n/a' : fmt(r.speedupVsNumpy1, 2) + 'x'} | ${r.speedupVsNumpy2 === null ? 'n/a' : fmt(r.speedupVsNumpy2, 2) + 'x'} |`);
}
md.push('', '(Sampling does the same matmuls in both TF.js variants; they differ only by noise. recap 2t: `model.sampleAsync` in the 2-thread child process (batch rows split over the threads).)', '');
const coldRow = results.sample.find((r) => r.recapCold !== null && r.recapCold !== undefined);
if (coldRow) md.push(`recap keeps its packed weights and the folded table W_embed·Wx (x·Wx of each word) between greedy calls while the parameters are unchanged, building the table once the rows decoded with those weights reach V; the captions are the same bits either way. The first call after a parameter write (nothing cached: weights packed, x·Wx computed) takes ${fmt(coldRow.recapCold)} ms (LSTM float32, 1 thread, same rounds), against ${fmt(coldRow.recap)} ms warm.`, '');
md.push('## Single-image caption latency, ms', '');
md.push(`One image, LSTM float32, CS231n config, maxLength ${SAMPLE_LEN}, 1 thread each, interleaved, median of ${C.sampleReps} repetitions. Greedy runs ${SAMPLE_LEN} steps; beam search stops once every beam has finished (the untrained weights rarely emit <END>, so these run all ${SAMPLE_LEN} steps). recap: \`model.sample(features, { maxLength, beamSize })\` after its folded W_embed·Wx table is built; beam search runs as planned kernel calls over the live beams, h·Wh once per distinct parent beam. TF.js: the k beams stepped as a batch with tf ops, tf.logSoftmax, candidates ranked in JS, tf.gather for the surviving beams (bench/tfjs_model.mjs sampleOne). numpy: the same written the plain numpy way (bench/numpy_model.py sample_beam).`, '');
md.push('| decoding | recap | recap ÷ greedy | TF.js | numpy 1t |', '|---|---|---|---|---|');
for (const r of results.latency) md.push(`| ${r.beam === 1 ? 'greedy' : `beam ${r.beam}`} | ${fmt(r.recap)} | ${fmt(r.recapVsGreedy, 2)} | ${fmt(r.tfjs)} | ${fmt(r.numpy1)} |`);
md.push('');
md.push('## Scaling of the LSTM float32 step time', '');
md.push(`One dimension varied at a time from the CS231n config; recap and numpy 1 thread interleaved, median of ${C.scaleReps} repetitions. "GFLOP/s" = matmul flops of the all-steps computation (forward once, backward twice) ÷ recap's time, so it counts the padded steps recap skips (effective rate).`, '');
md.push('| varied | N | T | H | recap ms | recap ÷ base | recap GFLOP/s | numpy 1t ms | numpy ÷ base |', '|---|---|---|---|---|---|---|---|---|');
const base = results.scaling[0];
for (const r of results.scaling) {
  md.push(`| ${r.dim} | ${r.N} | ${r.T} | ${r.H} | ${fmt(r.recap)} | ${fmt(r.recap / base.recap, 2)} | ${fmt(r.recapGflops, 1)} | ${fmt(r.numpy1)} | ${r.numpy1 === null ? 'n/a' : fmt(r.numpy1 / base.numpy1, 2)} |`);
}
md.push('');
if (!results.scst.error) {
  md.push('## Self-critical training against cross-entropy; greedy decoding with n-gram blocking, ms', '');
  md.push(`bench/scst.mjs, one process per thread count, both alive and timed in turn, round by round (a change in the machine's load reaches both): the \`npm start\` configuration (shapes world, 16000 images, LSTM H=128 W=64), trained with cross-entropy for ${results.scst.rows[0].pretrain} iterations first so that its samples end as a trained model's do; then each round one XE iteration (\`solver.stepAsync()\`, batch 50 captions, Adam lr 5e-3), one SCST iteration (batch 50 images, k = 5, greedy baseline, CIDEr-D reward, Adam lr 5e-4: the sampling pass with the greedy rows, the rewards, the backward), greedy decoding of 500 val images (16 words) and the same with \`blockRepeatNgrams: 2\`. Median of ${results.scst.rows[0].reps} repetitions; CPU time = the process's user + system time (all its threads).`, '');
  md.push('| threads | XE | SCST | SCST ÷ XE | CPU: SCST ÷ XE | greedy | blockRepeatNgrams 2 | ÷ greedy | load average |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of results.scst.rows) md.push(`| ${r.threads} | ${fmt(r.xe, 2)} | ${fmt(r.scst, 2)} | ${fmt(r.scst / r.xe, 2)} | ${fmt(r.cpu.scst / r.cpu.xe, 2)} | ${fmt(r.greedy)} | ${fmt(r.blocked)} | ${fmt(r.blocked / r.greedy, 2)} | ${fmt(r.loadavg, 1)} |`);
  md.push('');
}
md.push('## Peak memory of a training run', '');
md.push(`LSTM at the CS231n config, ${C.memSteps} solver steps, each implementation in a fresh process (bench/memrun.mjs; numpy_model.py --memrun). Peak RSS = getrusage max RSS of that process (Node's includes V8 and the runtime; "before model" is the RSS after loading the library). Wasm memory = the linear memory's size at the end (it never shrinks), and for recap the bytes its allocator has handed out.`, '');
if (!results.flat.error) {
  md.push(`Flat memory: one recap run of ${C.flatSteps} steps (LSTM f32, CS231n config), RSS and wasm memory sampled from step 10 on: ` +
    results.flat.samples.filter((x, i, a) => i === 0 || i === a.length - 1 || x.step % 250 === 0).map((x) => `step ${x.step}: ${fmt(x.rssBytes / 2 ** 20, 1)} MiB RSS, ${fmt(x.wasmBytes / 2 ** 20, 1)} MiB wasm`).join('; ') + '.', '');
}
md.push('| implementation | dtype | peak RSS MiB | RSS before model MiB | wasm memory MiB | wasm allocated MiB |', '|---|---|---|---|---|---|');
for (const r of results.memory) {
  md.push(r.error ? `| ${r.impl} | ${r.dtype} | failed: ${r.error} | | | |` :
    `| ${r.impl} | ${r.dtype} | ${fmt(r.maxRssMiB)} | ${fmt(r.rssBeforeModelMiB)} | ${r.wasmMiB === null ? 'n/a' : fmt(r.wasmMiB)} | ${r.wasmInUseMiB === null ? 'n/a' : fmt(r.wasmInUseMiB)} |`);
}
md.push('');
if (enc) md.push(ENC_BEGIN, ...enc.markdown, ENC_END, '');
md.push(readFileSync(join(HERE, 'relaxed-study.md'), 'utf8'));
writeFileSync(join(HERE, 'RESULTS.md'), md.join('\n'));
writeFileSync(join(HERE, 'results.json'), JSON.stringify(results, null, 2) + '\n');
log(`\nwrote bench/RESULTS.md and bench/results.json`);
void tf;
