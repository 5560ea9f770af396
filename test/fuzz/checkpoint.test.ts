// Fuzz: loadCheckpoint on damaged bytes. Any truncation or bit flip is detected (FormatError,
// the checksum names it); header edits re-sealed with a valid CRC (what a buggy or hostile
// writer could produce) load or throw FormatError, and a loaded solver state is usable by
// setState or refused with RecapError. Never a TypeError, a RangeError or a wasm trap.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_VERSION, CaptioningRNN, CaptioningSolver, DivergenceError, FormatError, RecapError, crc32, init, loadCheckpoint, saveCheckpoint, type CaptionData,
} from '../../src/index.js';
import { attempt, check, idsTensor, randTensor } from './fuzz.js';

beforeAll(() => init());

const VOCAB = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, b: 4 };
let bytes: Uint8Array;
let plain: Uint8Array;
let model: CaptioningRNN;
let solver: CaptioningSolver;
let data: CaptionData;
beforeAll(() => {
  model = new CaptioningRNN({ wordToIdx: VOCAB, inputDim: 4, wordvecDim: 3, hiddenDim: 5, cellType: 'lstm', seed: 2 });
  data = {
    trainCaptions: idsTensor([8, 5], 5, 1), trainImageIdxs: idsTensor([8], 3, 2), trainFeatures: randTensor([3, 4], 'float32', 3),
    idxToWord: Object.keys(VOCAB), wordToIdx: VOCAB,
  } as CaptionData;
  solver = new CaptioningSolver(model, data, { updateRule: 'adam', batchSize: 2, numEpochs: 2, verbose: false, sampler: 'shuffle' });
  solver.step();
  bytes = saveCheckpoint(model, solver, { note: 'fuzz' });
  plain = saveCheckpoint(model);
});
afterAll(() => {
  solver.dispose();
  model.dispose();
});

const headerOf = (b: Uint8Array) => {
  const len = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + len)));
};

/** Re-encodes a checkpoint with another header (sections kept in place) and a valid CRC. */
function reseal(b: Uint8Array, header: unknown): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset);
  const oldLen = dv.getUint32(12, true);
  const oldStart = Math.ceil((16 + oldLen) / 8) * 8;
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

/** Sets a value at a path of a JSON tree (creating nothing: missing paths are skipped). */
function paths(v: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) paths(c, [...prefix, k], out);
  return out;
}

function edit(tree: unknown, path: string[], value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const copy = JSON.parse(JSON.stringify(tree));
  let node = copy;
  for (const k of path.slice(0, -1)) {
    node = node?.[k];
    if (!node || typeof node !== 'object') return copy; // an earlier edit removed this path
  }
  if (remove) delete node[path[path.length - 1]];
  else node[path[path.length - 1]] = value;
  return copy;
}

function expectLoadedUsable(r: ReturnType<typeof loadCheckpoint>): void {
  try {
    const m = r.model;
    const f = randTensor([2, m.config.inputDim], m.config.dtype, 1);
    expect(Number.isFinite(m.loss(f, idsTensor([2, 3], m.config.vocabSize, 2)).loss)).toBe(true);
    if (r.solverState && m.config.inputDim === 4 && m.config.vocabSize === 5) {
      const s = new CaptioningSolver(m, data, { updateRule: r.solverState.updateRule, batchSize: 2, numEpochs: 2, verbose: false, sampler: 'shuffle' });
      const set = attempt(() => s.setState(r.solverState!));
      // odd but finite hyperparameters (epsilon = -1, ...) may diverge: that is a typed error too
      if (set.ok && s.iteration < s.numIterations) attempt(() => s.step(), [RecapError, DivergenceError]);
      s.dispose();
    }
  } finally {
    r.model.dispose();
  }
}

describe('fuzz: loadCheckpoint', () => {
  it('every truncation is detected', () => {
    check('checkpoint truncation', fc.tuple(fc.boolean(), fc.nat()), ([withSolver, cut]) => {
      const b = withSolver ? bytes : plain;
      const len = cut % b.length;
      const r = attempt(() => loadCheckpoint(b.slice(0, len)), [FormatError]);
      if (r.ok) throw new Error(`a checkpoint truncated to ${len} of ${b.length} bytes loaded`);
      expect(r.error.message).toMatch(/truncated|checksum|not a recap checkpoint|version/);
    }, 2);
  });

  it('every bit flip (1 to 3 bits) is detected and reported as corruption', () => {
    check('checkpoint bit flips', fc.tuple(fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 7 })), { minLength: 1, maxLength: 3 })), ([withSolver, flips]) => {
      const b = (withSolver ? bytes : plain).slice();
      const seen = new Set<string>();
      for (const [pos, bit] of flips) {
        const key = `${pos % b.length}:${bit}`;
        if (seen.has(key)) return; // two flips of one bit cancel
        seen.add(key);
        b[pos % b.length] ^= 1 << bit;
      }
      const r = attempt(() => loadCheckpoint(b), [FormatError]);
      if (r.ok) throw new Error(`flips ${JSON.stringify(flips)} went unnoticed`);
      // a flip in the magic says "not a recap checkpoint"; anything else names the checksum
      const inMagic = [...seen].some((k) => Number(k.split(':')[0]) < 8);
      if (!inMagic) expect(r.error.message).toMatch(/checksum/);
    }, 3);
  });

  it('random bytes, foreign files and non-bytes throw FormatError or RecapError', () => {
    check('checkpoint junk', fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ minLength: 12, maxLength: 300 }).map((u) => { u.set([82, 67, 65, 80, 67, 75, 80, 84]); return u; }),
      fc.constantFrom<unknown>(null, undefined, 'RCAPCKPT', 12, [1, 2, 3], new Float32Array(8), new ArrayBuffer(30), {}),
    ), (junk) => {
      const r = attempt(() => loadCheckpoint(junk as Uint8Array), [FormatError, RecapError]);
      if (r.ok) throw new Error('junk loaded');
    }, 2);
  });

  it('header edits with a valid CRC load (a usable model) or throw FormatError', () => {
    const header = headerOf(bytes);
    const all = paths(header);
    const value = fc.oneof(
      fc.constantFrom<unknown>(null, 0, -1, 1.5, 1e12, 2 ** 53, '', 'x', true, [], {}, [1, 2], { offset: 0, length: 1e9, dtype: 'float32' },
        { offset: -8, length: 4, dtype: 'float32' }, { offset: 0, length: 4, dtype: 'uint8' }, 'adam', 'sgd', 'lstm', 'float64', 'toString'),
      fc.jsonValue({ maxDepth: 2 }),
    );
    check('checkpoint header edits', fc.tuple(fc.nat(), value, fc.boolean(), fc.constantFrom(1, 2)), ([pi, v, remove, edits]) => {
      let h: unknown = header;
      for (let e = 0; e < edits; e++) {
        const path = all[(pi + e * 7919) % all.length];
        h = edit(h, path, v, remove && path.length > 0);
      }
      const r = attempt(() => loadCheckpoint(reseal(bytes, h)), [FormatError]);
      if (r.ok) expectLoadedUsable(r.value);
    }, 10);
  });

  it('regressions: malformed headers with a valid CRC (they used to throw TypeError)', () => {
    const h = headerOf(bytes);
    const cases: Array<[string[], unknown]> = [
      [['model', 'params', 'Wx', 'shape'], {}], // "shape is not iterable"
      [['model', 'params', 'Wx', 'section', 'dtype'], 'toString'], // BYTES['toString'] -> "Ctor is not a constructor"
      [['model', 'params'], null],
      [['solver', 'rng'], null],
      [['solver', 'blocks'], 3],
      [['solver', 'updateRule'], 'x'], // loaded, then refused by new CaptioningSolver (seed 12345)
    ];
    for (const [path, v] of cases) expect(() => loadCheckpoint(reseal(bytes, edit(h, path, v, false))), path.join('.')).toThrow(FormatError);
  });

  it('a future format version says so, with and without a valid checksum', () => {
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(8, CHECKPOINT_VERSION + 1, true);
    expect(() => loadCheckpoint(future)).toThrow(new RegExp(`version ${CHECKPOINT_VERSION + 1} is newer`));
    new DataView(future.buffer).setUint32(future.length - 4, crc32(future.subarray(0, future.length - 4)), true);
    expect(() => loadCheckpoint(future)).toThrow(/upgrade recap/);
  });
});
