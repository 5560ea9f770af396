// The solver's gradient-norm history (issue 19): every iteration's global L2 norm of all
// parameter gradients before clipping (solver.gradNormHistory, StepInfo.gradNorm) and how many
// iterations clipping fired (solver.clipCount, StepInfo.clipped); in SolverState and checkpoints
// (header solver.gradNormHistory: a float64 section, solver.clipCount: a number), resumed
// bit-identically, older checkpoints without them still load; the same bits on 1 and 2 threads.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, CaptioningSolver, LegacyRandom, PARAM_NAMES, RecapError, crc32, init, loadCheckpoint, saveCheckpoint, tensor,
  type CaptionData, type StepInfo,
} from '../src/index.js';

beforeAll(() => init());

const V = 9, D = 6, L = 7;
const VOCAB = Object.fromEntries(Array.from({ length: V }, (_, i) => [['<NULL>', '<START>', '<END>', '<UNK>'][i] ?? `w${i}`, i]));

function toyData(seed = 1, numCaptions = 40, numImages = 10): CaptionData {
  const rng = new LegacyRandom(seed);
  const caps = new Int32Array(numCaptions * L);
  for (let i = 0; i < numCaptions; i++) {
    const len = 1 + rng.randint(L - 2);
    caps[i * L] = 1;
    for (let t = 1; t <= len; t++) caps[i * L + t] = 3 + rng.randint(V - 3);
    if (len + 1 < L) caps[i * L + len + 1] = 2;
  }
  return {
    trainCaptions: tensor(caps, [numCaptions, L], 'int32'),
    trainImageIdxs: tensor(rng.randintArray(numImages, numCaptions), [numCaptions], 'int32'),
    trainFeatures: tensor(rng.randnArray(numImages * D), [numImages, D], 'float32'),
    idxToWord: Object.keys(VOCAB), wordToIdx: VOCAB,
  } as unknown as CaptionData;
}

const toyModel = (dtype: 'float32' | 'float64' = 'float64', cellType: 'rnn' | 'lstm' = 'lstm') =>
  new CaptioningRNN({ wordToIdx: VOCAB, inputDim: D, wordvecDim: 5, hiddenDim: 7, cellType, dtype, seed: 4 });

/** Caption rows and feature rows of minibatch `rows`, for model.loss. */
function batchOf(data: CaptionData, rows: Int32Array, dtype: 'float32' | 'float64') {
  const caps = new Int32Array(rows.length * L);
  const feats = new (dtype === 'float64' ? Float64Array : Float32Array)(rows.length * D);
  rows.forEach((r, i) => {
    caps.set(data.trainCaptions.data.subarray(r * L, (r + 1) * L) as Int32Array, i * L);
    const img = data.trainImageIdxs.data[r];
    feats.set(data.trainFeatures.data.subarray(img * D, (img + 1) * D), i * D);
  });
  return { captions: tensor(caps, [rows.length, L], 'int32'), features: tensor(feats, [rows.length, D], dtype) };
}

describe('gradient-norm history', () => {
  it.each(['float64', 'float32'] as const)('%s: each entry is the global L2 norm of the gradients before clipping', (dtype) => {
    const data = toyData();
    const model = toyModel(dtype);
    const probe = toyModel(dtype);
    const schedule = Array.from({ length: 8 }, (_, t) => Int32Array.from({ length: 4 }, (_, i) => (t * 5 + i * 3) % 40));
    const infos: StepInfo[] = [];
    // a clip small enough to fire on every step: the recorded norm is still the one before clipping
    const solver = new CaptioningSolver(model, data, { updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 4, numEpochs: 1, verbose: false,
      sampler: (t) => schedule[t], gradClip: 1e-6, onStep: (i) => infos.push(i) });
    for (let t = 0; t < 4; t++) {
      probe.setParams(model.getParams());
      const { features, captions } = batchOf(data, schedule[t], dtype);
      const { grads } = probe.loss(features, captions);
      let sq = 0;
      for (const name of PARAM_NAMES) for (const g of grads[name].data) sq += g * g;
      const r = solver.step();
      expect(r.gradNorm).toBeGreaterThan(0);
      expect(Math.abs(r.gradNorm - Math.sqrt(sq)) / Math.sqrt(sq)).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-6);
      expect(r.clipped).toBe(true);
      expect(solver.gradNormHistory[t]).toBe(r.gradNorm);
    }
    expect(solver.gradNormHistory.length).toBe(4);
    expect(solver.clipCount).toBe(4);
    solver.dispose();
    model.dispose();
    probe.dispose();
  });

  it('is recorded without gradClip too (clipCount stays 0), and StepInfo carries the norm and the clip flag', async () => {
    const data = toyData(2);
    const steps = async (gradClip?: number) => {
      const model = toyModel('float32');
      const infos: StepInfo[] = [];
      const solver = new CaptioningSolver(model, data, { updateRule: 'sgd', optimConfig: { learningRate: 0.5 }, batchSize: 8, numEpochs: 2, verbose: false, seed: 3,
        gradClip, onStep: (i) => infos.push(i) });
      await solver.train();
      const out = { norms: [...solver.gradNormHistory], clipCount: solver.clipCount, infos, losses: [...solver.lossHistory] };
      solver.dispose();
      model.dispose();
      return out;
    };
    const free = await steps();
    expect(free.norms.length).toBe(10);
    expect(free.norms.every((g) => Number.isFinite(g) && g > 0)).toBe(true);
    expect(free.clipCount).toBe(0);
    expect(free.infos.map((i) => i.gradNorm)).toEqual(free.norms);
    expect(free.infos.every((i) => i.clipped === false)).toBe(true);
    // a clip between the smallest and largest norm fires on exactly the iterations above it
    const sorted = [...free.norms].sort((a, b) => a - b);
    const clip = (sorted[4] + sorted[5]) / 2;
    const clipped = await steps(clip);
    expect(clipped.norms[0]).toBe(free.norms[0]); // the first step sees the same parameters
    expect(clipped.clipCount).toBe(clipped.norms.filter((g) => g > clip).length);
    expect(clipped.clipCount).toBeGreaterThan(0);
    expect(clipped.clipCount).toBeLessThan(10);
    expect(clipped.infos.map((i) => i.clipped)).toEqual(clipped.norms.map((g) => g > clip));
  });
});

const headerOf = (b: Uint8Array) => {
  const len = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + len)));
};

/** Re-encodes a checkpoint with another header (sections kept in place) and a valid CRC. */
function reseal(b: Uint8Array, header: unknown): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset);
  const oldStart = Math.ceil((16 + dv.getUint32(12, true)) / 8) * 8;
  const sections = b.subarray(oldStart, b.length - 4);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((16 + json.length) / 8) * 8;
  const out = new Uint8Array(start + sections.length + 4);
  out.set(b.subarray(0, 12));
  new DataView(out.buffer).setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(sections, start);
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe('gradient norms in checkpoints', () => {
  const opts = { updateRule: 'adam', optimConfig: { learningRate: 2e-2 }, batchSize: 8, numEpochs: 4, verbose: false, seed: 7, sampler: 'shuffle', gradClip: 1 } as const;

  it('are saved (header solver.gradNormHistory, solver.clipCount) and a resumed run continues bit-identically', async () => {
    const data = toyData(3);
    const full = toyModel('float32');
    const a = new CaptioningSolver(full, data, opts);
    await a.train();
    expect(a.clipCount).toBeGreaterThan(0);

    const half = toyModel('float32');
    const b = new CaptioningSolver(half, data, opts);
    for (let t = 0; t < 9; t++) b.step();
    const bytes = saveCheckpoint(half, b);
    const h = headerOf(bytes);
    expect(h.solver.gradNormHistory).toMatchObject({ dtype: 'float64', length: 9 });
    expect(h.solver.clipCount).toBe(b.clipCount);
    const ck = loadCheckpoint(bytes);
    expect(ck.solverState!.gradNormHistory).toEqual(b.gradNormHistory);
    expect(ck.solverState!.clipCount).toBe(b.clipCount);
    const c = new CaptioningSolver(ck.model, data, opts);
    c.setState(ck.solverState!);
    await c.train();
    expect(c.gradNormHistory).toEqual(a.gradNormHistory);
    expect(c.clipCount).toBe(a.clipCount);
    expect(c.lossHistory).toEqual(a.lossHistory);
    for (const s of [a, b, c]) s.dispose();
    for (const m of [full, half, ck.model]) m.dispose();
  });

  it('older checkpoints without them load: NaN (not recorded) per earlier iteration, no clips; training appends', async () => {
    const data = toyData(3);
    const model = toyModel('float32');
    const s = new CaptioningSolver(model, data, opts);
    for (let t = 0; t < 3; t++) s.step();
    const bytes = saveCheckpoint(model, s);
    const h = headerOf(bytes);
    delete h.solver.gradNormHistory;
    delete h.solver.clipCount;
    const old = loadCheckpoint(reseal(bytes, h));
    expect(old.solverState!.gradNormHistory!.length).toBe(3);
    expect(old.solverState!.gradNormHistory!.every(Number.isNaN)).toBe(true);
    expect(old.solverState!.clipCount).toBe(0);
    const r = new CaptioningSolver(old.model, data, opts);
    const { gradNormHistory: _g, clipCount: _c, ...inMemoryOld } = s.getState(); // a state object of an older version
    r.setState(inMemoryOld);
    expect(r.gradNormHistory.every(Number.isNaN)).toBe(true);
    r.setState(old.solverState!);
    r.step();
    expect(r.gradNormHistory.length).toBe(4);
    expect(r.gradNormHistory[3]).toBe(s.step().gradNorm);
    for (const x of [s, r]) x.dispose();
    model.dispose();
    old.model.dispose();
  });

  it('refuses a state whose history does not match its iterations, before changing anything', () => {
    const data = toyData(3);
    const model = toyModel('float32');
    const s = new CaptioningSolver(model, data, opts);
    for (let t = 0; t < 3; t++) s.step();
    const state = s.getState();
    const other = new CaptioningSolver(toyModel('float32'), data, opts);
    const refuse = (patch: object, re: RegExp) => {
      expect(() => other.setState({ ...state, ...patch })).toThrow(RecapError);
      expect(() => other.setState({ ...state, ...patch })).toThrow(re);
      expect(other.iteration).toBe(0);
      expect(other.gradNormHistory).toEqual([]);
    };
    refuse({ gradNormHistory: [1, 2] }, /state\.gradNormHistory: expected 3 non-negative numbers/);
    refuse({ gradNormHistory: [1, -2, 3] }, /state\.gradNormHistory/);
    refuse({ clipCount: 4 }, /state\.clipCount: expected an integer in \[0, 3\]/);
    refuse({ clipCount: 1.5 }, /state\.clipCount/);
    const bytes = saveCheckpoint(model, s);
    const h = headerOf(bytes);
    h.solver.clipCount = -1;
    expect(() => loadCheckpoint(reseal(bytes, h))).toThrow(/solver\.clipCount/);
    h.solver.clipCount = 0;
    h.solver.gradNormHistory.length = 2;
    expect(() => loadCheckpoint(reseal(bytes, h))).toThrow(/gradNormHistory has 2 values for 3 iterations/);
    s.dispose();
    other.dispose();
    model.dispose();
    other.model.dispose();
  });
});

describe('gradient norms and threads', () => {
  const script = new URL('./shared/grad-norm-run.mjs', import.meta.url).pathname;
  const run = (threads: number) => JSON.parse(execFileSync(process.execPath, [script, String(threads)], { encoding: 'utf8' }).trim().split('\n').pop()!);
  it('are the same bits on 1 and 2 threads, and so is the clip count', () => {
    const one = run(1), two = run(2);
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(one.steps).toBe(24);
    expect(one.first).toBeGreaterThan(0);
    expect(one.clipCount).toBeGreaterThan(0);
    expect(one.clipCount).toBeLessThan(24);
    expect(two.norms).toBe(one.norms);
    expect(two.clipCount).toBe(one.clipCount);
    expect(two.params).toBe(one.params);
  });
});
