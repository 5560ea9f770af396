// Moving CaptioningRNN models between recap, the CS231n notebook (numpy) and back, on files
// numpy wrote and numpy read (test/fixtures/interop/models, made by
// scripts/make-interop-fixtures.py; numpy's losses recorded in numpy_losses.json).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CaptioningRNN, FormatError, PARAM_NAMES, RecapError, Tensor, init, modelFromParams, modelToNpz, modelToSafetensors, parseVocabulary, readNpz,
  readSafetensors, tensor, vocabularyJson, type CellType,
} from '../../src/index.js';
import { loadCases } from '../helpers.js';

const DIR = new URL('../fixtures/interop/models/', import.meta.url);
const bytes = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
const json = (name: string) => JSON.parse(readFileSync(new URL(name, DIR), 'utf8'));
const numpyLosses: Record<string, number> = json('numpy_losses.json').losses;
const spec = json('recap_spec.json');
const CELLS: CellType[] = ['rnn', 'lstm'];

beforeAll(() => init());

/** The seeded float64 model scripts/export-interop-models.mjs exported for the fixtures. */
function specModel(cellType: CellType): CaptioningRNN {
  const { wordToIdx, inputDim, wordvecDim, hiddenDim, seed } = spec;
  const m = new CaptioningRNN({ wordToIdx, inputDim, wordvecDim, hiddenDim, cellType, dtype: 'float64', seed });
  const biases: Record<string, number[]> = spec.biases[cellType];
  m.setParams(Object.fromEntries(Object.entries(biases).map(([k, v]) => [k, tensor(v, [v.length], 'float64')])));
  return m;
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('numpy -> recap: the CS231n notebook parameters saved with np.savez', () => {
  it.each(CELLS)('%s: loads and reproduces the notebook loss', (cell) => {
    const params = readNpz(bytes(`cs231n_${cell}_params.npz`), { name: `cs231n_${cell}_params.npz` });
    const inputs = readNpz(bytes(`cs231n_${cell}_inputs.npz`));
    expect(inputs.captions.dtype).toBe('int32'); // numpy wrote int64
    const wordToIdx = parseVocabulary(readFileSync(new URL('cs231n_vocab.json', DIR), 'utf8'));
    const model = modelFromParams(params, { wordToIdx, name: `cs231n_${cell}_params.npz` });
    try {
      expect(model.config).toMatchObject({ cellType: cell, dtype: 'float64', inputDim: 20, wordvecDim: 30, hiddenDim: 40, vocabSize: 3 });
      const { loss } = model.loss(inputs.features, inputs.captions);
      const ref = loadCases('captioning_model.json').find((c) => c.name === `notebook_linspace_${cell}`)!;
      expect(loss.toFixed(11)).toBe(cell === 'rnn' ? '9.83235591003' : '9.82445935443');
      expect(relDiff(loss, ref.outputs.loss)).toBeLessThan(1e-13);
      expect(relDiff(loss, numpyLosses[`cs231n_${cell}`])).toBeLessThan(1e-10);
      // and in float32, as a float32 model
      const m32 = modelFromParams(params, { wordToIdx, dtype: 'float32' });
      expect(relDiff(m32.loss(inputs.features.clone('float32'), inputs.captions).loss, ref.outputs.loss)).toBeLessThan(1e-5);
      m32.dispose();
    } finally {
      model.dispose();
    }
  });
});

describe('recap -> numpy: a seeded float64 recap model exported, loaded and scored by numpy', () => {
  const inputs = () => readNpz(bytes('recap_inputs.npz'));

  it.each(CELLS)('%s: the export equals the committed files numpy read, and recap\'s loss is numpy\'s to 1e-10', (cell) => {
    const model = specModel(cell);
    try {
      const mine = model.getParams();
      const { npz, vocab } = modelToNpz(model);
      const committedNpz = readNpz(bytes(`recap_${cell}.npz`));
      const committedSt = readSafetensors(bytes(`recap_${cell}.safetensors`));
      for (const arrays of [committedNpz, readNpz(npz), committedSt.tensors, readSafetensors(modelToSafetensors(model)).tensors]) {
        expect(Object.keys(arrays).sort()).toEqual([...PARAM_NAMES].sort());
        for (const k of PARAM_NAMES) {
          expect(arrays[k].shape, k).toEqual(mine[k].shape);
          expect(arrays[k].dtype, k).toBe('float64');
          expect(arrays[k].data, k).toEqual(mine[k].data);
        }
      }
      expect(JSON.parse(vocab)).toEqual(json(`recap_${cell}.vocab.json`));
      expect(committedSt.metadata).toEqual({ format: 'recap-captioning-rnn', cell_type: cell, idx_to_word: JSON.stringify(Object.keys(spec.wordToIdx)) });
      const { features, captions } = inputs();
      const { loss } = model.loss(features, captions);
      expect(relDiff(loss, numpyLosses[`recap_${cell}_npz`])).toBeLessThan(1e-10);
      expect(relDiff(loss, numpyLosses[`recap_${cell}_safetensors`])).toBeLessThan(1e-10);
    } finally {
      model.dispose();
    }
  });

  it.each(CELLS)('%s: export then import gives the same model (loss and greedy captions bit for bit)', (cell) => {
    const model = specModel(cell);
    const { features, captions } = inputs();
    const st = readSafetensors(modelToSafetensors(model));
    const back = modelFromParams(st.tensors, { wordToIdx: parseVocabulary(st.metadata.idx_to_word), cellType: cell });
    const { npz, vocab } = modelToNpz(model, { compress: true });
    const back2 = modelFromParams(readNpz(npz), { wordToIdx: parseVocabulary(vocab) });
    try {
      for (const m of [back, back2]) {
        expect(m.wordToIdx).toEqual(model.wordToIdx);
        expect(m.loss(features, captions).loss).toBe(model.loss(features, captions).loss);
        expect(m.sample(features, { maxLength: 5 }).data).toEqual(model.sample(features, { maxLength: 5 }).data);
      }
    } finally {
      for (const m of [model, back, back2]) m.dispose();
    }
  });
});

describe('modelFromParams and parseVocabulary errors', () => {
  let good: Record<string, Tensor>;
  let wordToIdx: Record<string, number>;
  beforeAll(() => {
    const m = specModel('lstm');
    good = m.getParams();
    wordToIdx = m.wordToIdx;
    m.dispose();
  });
  const without = (k: string) => Object.fromEntries(Object.entries(good).filter(([n]) => n !== k));

  it('names the parameter and says expected vs actual', () => {
    const run = (p: Record<string, Tensor>, o: object = {}) => () => modelFromParams(p, { wordToIdx, name: 'f.npz', ...o });
    expect(run(without('Wh'))).toThrow(/^f\.npz: expected exactly the CS231n parameters .*; missing Wh$/);
    expect(run({ ...good, W_extra: tensor([1]) })).toThrow(/unexpected W_extra/);
    expect(run({ ...good, b_vocab: tensor([1, 2], [2], 'float64') })).toThrow(/b_vocab has shape \[2\], expected \[12\] \(D=6 H=7 \(W_proj\), V=12 W=5 \(W_embed\), lstm\)/);
    expect(run({ ...good, Wh: tensor(new Array(7 * 14).fill(0), [7, 14], 'float64') })).toThrow(/Wh has shape \[7, 14\], expected \(H, H\) for rnn or \(H, 4H\)/);
    expect(run(good, { cellType: 'rnn' })).toThrow(/the parameters are those of an lstm/);
    expect(run({ ...good, b: good.b.clone('float32') })).toThrow(/must all be float32 or all float64/);
    expect(run({ ...good, b: good.b.clone('int32') })).toThrow(FormatError);
    const nan = good.W_vocab.clone();
    nan.data[3] = NaN;
    expect(run({ ...good, W_vocab: nan })).toThrow(/W_vocab\[3\] is NaN; parameters must be finite/);
    const big = good.W_vocab.clone();
    big.data[0] = 1e300;
    expect(run({ ...good, W_vocab: big }, { dtype: 'float32' })).toThrow(/W_vocab\[0\] is 1e\+300 \(Infinity in float32\)/);
    expect(() => modelFromParams(good, { wordToIdx: { '<NULL>': 0, a: 1 } })).toThrow(/the vocabulary has 2 words, W_embed has 12 rows/);
    expect(() => modelFromParams(good, { wordToIdx: null as unknown as Record<string, number> })).toThrow(RecapError);
  });

  it('vocabularies: CS231n JSON with either key, an array; contradictions refused', () => {
    expect(parseVocabulary('["<NULL>", "a"]')).toEqual({ '<NULL>': 0, a: 1 });
    expect(parseVocabulary({ idx_to_word: ['<NULL>', null, 'cat'] })).toEqual({ '<NULL>': 0, cat: 2 });
    expect(parseVocabulary({ idx_to_word: ['<NULL>', 'a'], word_to_idx: { '<NULL>': 0, a: 1 } })).toEqual({ '<NULL>': 0, a: 1 });
    expect(() => parseVocabulary({ idx_to_word: ['<NULL>', 'a'], word_to_idx: { '<NULL>': 0, a: 2 } }, 'v.json')).toThrow(/^v\.json: idx_to_word and word_to_idx disagree/);
    expect(() => parseVocabulary('{', 'v.json')).toThrow(/^v\.json: not valid JSON/);
    expect(() => parseVocabulary({ words: [] })).toThrow(/expected \{"idx_to_word"/);
    expect(() => parseVocabulary(['a', 'a'])).toThrow(/word "a" appears twice/);
    expect(() => parseVocabulary({ word_to_idx: { a: -1 } })).toThrow(/word_to_idx\["a"\] is not a non-negative integer/);
  });

  it('reads the assignment\'s real coco2014_vocab.json (1004 words, both keys agreeing)', () => {
    const w = parseVocabulary(readFileSync(new URL('../fixtures/coco2014_vocab.json', import.meta.url), 'utf8'), 'coco2014_vocab.json');
    expect(Object.keys(w)).toHaveLength(1004);
    expect([w['<NULL>'], w['<START>'], w['<END>'], w['<UNK>'], w.a]).toEqual([0, 1, 2, 3, 4]);
  });

  it('vocabularyJson keeps ids without a word as null (the notebook vocabulary has no id 1)', () => {
    const m = new CaptioningRNN({ wordToIdx: { '<NULL>': 0, cat: 2, dog: 3 }, inputDim: 2, wordvecDim: 2, hiddenDim: 2 });
    expect(vocabularyJson(m)).toEqual({ idx_to_word: ['<NULL>', null, 'cat', 'dog'], word_to_idx: { '<NULL>': 0, cat: 2, dog: 3 } });
    m.dispose();
  });
});

// Live round trip through numpy when python3 and numpy are here (skipped otherwise).
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
describe.skipIf(!hasNumpy)('live: numpy loads a fresh export and gives recap\'s loss', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recap-interop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CELLS)('%s', (cell) => {
    const m = new CaptioningRNN({ wordToIdx: spec.wordToIdx, inputDim: 6, wordvecDim: 4, hiddenDim: 5, cellType: cell, dtype: 'float64', seed: 99 });
    const { features, captions } = readNpz(bytes('recap_inputs.npz'));
    const { npz } = modelToNpz(m);
    writeFileSync(join(dir, `${cell}.npz`), npz);
    writeFileSync(join(dir, `${cell}.safetensors`), modelToSafetensors(m));
    const script = new URL('../../scripts/make-interop-fixtures.py', import.meta.url).pathname;
    const py = [
      'import importlib.util, json, sys, numpy as np',
      `spec = importlib.util.spec_from_file_location("fx", ${JSON.stringify(script)}); fx = importlib.util.module_from_spec(spec); spec.loader.exec_module(fx)`,
      `z = np.load(${JSON.stringify(join(dir, `${cell}.npz`))}); P = {k: z[k] for k in z.files}`,
      `S, meta = fx.load_safetensors(${JSON.stringify(join(dir, `${cell}.safetensors`))})`,
      `i = np.load(${JSON.stringify(new URL('recap_inputs.npz', DIR).pathname)})`,
      `print(json.dumps([fx.cs231n_loss(P, i["features"], i["captions"], "${cell}", 0), fx.cs231n_loss(S, i["features"], i["captions"], "${cell}", 0)]))`,
    ].join('\n');
    const [fromNpz, fromSt] = JSON.parse(execFileSync('python3', ['-c', py], { encoding: 'utf8' }));
    const { loss } = m.loss(features, captions);
    expect(relDiff(loss, fromNpz)).toBeLessThan(1e-10);
    expect(relDiff(loss, fromSt)).toBeLessThan(1e-10);
    m.dispose();
  });
});
