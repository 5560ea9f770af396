// loadCocoData / writeCocoFixture: round trips of the CS231n coco_captioning layout, the
// numpy-exact max_train subsampling, and every error path. Needs no wasm kernels (no init()).
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCocoData } from '../src/node.js';
import { writeCocoFixture } from './support/coco-fixture.js';
import { COCO_FILES, loadH5wasm } from '../src/data/coco.node.js';
import type { CocoFixture } from './support/coco-fixture.js';
import { FormatError, RecapError } from '../src/core/errors.js';
import { LegacyRandom } from '../src/core/rng.js';
import type { Tensor } from '../src/core/tensor.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
let vocab: { idx_to_word: string[]; word_to_idx: Record<string, number> };
let root: string;
let n = 0;
const freshDir = () => join(root, `d${n++}`);

beforeAll(async () => {
  vocab = JSON.parse(await readFile(fixture('coco2014_vocab.json'), 'utf8'));
  root = await mkdtemp(join(tmpdir(), 'recap-coco-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function expectSame(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  expect(got.dtype, `${what} dtype`).toBe(want.dtype);
  expect(got.data, `${what} data`).toEqual(want.data);
}

function rows(t: Tensor, idx: ArrayLike<number>): Int32Array {
  const L = t.shape[1];
  const out = new Int32Array(idx.length * L);
  for (let i = 0; i < idx.length; i++) out.set(t.data.subarray(idx[i] * L, (idx[i] + 1) * L) as Int32Array, i * L);
  return out;
}

/** Writes an HDF5 file with the given datasets (for corrupt-file tests). */
async function writeH5(path: string, datasets: { name: string; data: ArrayLike<number> | BigInt64Array; shape: number[]; dtype: string; chunks?: number[]; compression?: 'gzip' }[]): Promise<void> {
  const h5 = await loadH5wasm();
  const f = new h5.File(path, 'w');
  try {
    for (const d of datasets) f.create_dataset({ ...d, data: d.data as Float32Array });
  } finally {
    f.close();
  }
}

describe('writeCocoFixture + loadCocoData round trip (real 1004-word vocabulary)', () => {
  let fx: CocoFixture;
  let dir: string;
  beforeAll(async () => {
    dir = freshDir();
    fx = await writeCocoFixture(dir, { numTrainImages: 40, numValImages: 20, captionsPerImage: 5, seed: 1, vocab });
  });

  it('writes exactly the CS231n file names', () => {
    const names = fx.files.map((f) => f.slice(dir.length + 1)).sort();
    expect(names).toEqual([COCO_FILES.captions, COCO_FILES.vocab, COCO_FILES.trainUrls, COCO_FILES.trainPca,
      COCO_FILES.valUrls, COCO_FILES.valPca].sort());
  });

  it('loads back every array exactly', async () => {
    const t0 = performance.now();
    const data = await loadCocoData(dir);
    const ms = performance.now() - t0;
    console.log(`loadCocoData(40+20 images x 512, 300 captions): ${ms.toFixed(1)} ms`);
    expect(data.trainCaptions.shape).toEqual([200, 17]);
    expect(data.valCaptions.shape).toEqual([100, 17]);
    expect(data.trainFeatures.shape).toEqual([40, 512]);
    expect(data.valFeatures.shape).toEqual([20, 512]);
    expect(data.trainCaptions.dtype).toBe('int32');
    expect(data.trainFeatures.dtype).toBe('float32');
    for (const k of ['trainCaptions', 'trainImageIdxs', 'trainFeatures', 'valCaptions', 'valImageIdxs', 'valFeatures'] as const) {
      expectSame(data[k], fx[k], k);
    }
    expect(data.idxToWord).toEqual(vocab.idx_to_word);
    expect(data.wordToIdx).toEqual(vocab.word_to_idx);
    expect(data.wordToIdx['<NULL>']).toBe(0);
    expect(data.wordToIdx.apartment).toBe(1003);
    expect(data.trainUrls).toEqual(fx.trainUrls);
    expect(data.valUrls).toEqual(fx.valUrls);
    expect(data.trainUrls).toHaveLength(40);
    expect(data.valUrls).toHaveLength(20);
  });

  it('generates well-formed CS231n caption rows', () => {
    const w = vocab.word_to_idx;
    const caps = fx.trainCaptions.data as Int32Array;
    for (let k = 0; k < fx.trainCaptions.shape[0]; k++) {
      const row = Array.from(caps.subarray(k * 17, (k + 1) * 17));
      expect(row[0]).toBe(w['<START>']);
      const end = row.indexOf(w['<END>']);
      expect(end).toBeGreaterThanOrEqual(2);
      for (let j = 1; j < end; j++) expect([w['<NULL>'], w['<START>'], w['<END>']]).not.toContain(row[j]);
      for (let j = end + 1; j < 17; j++) expect(row[j]).toBe(w['<NULL>']);
    }
    // caption k belongs to image floor(k / captionsPerImage)
    expect(Array.from(fx.trainImageIdxs.data.subarray(0, 12))).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2]);
  });

  it('maxTrain with seed 231 draws numpy\'s randint(num_train, size=max_train), with replacement', async () => {
    const data = await loadCocoData(dir, { maxTrain: 50, seed: 231 });
    // np.random.seed(231); np.random.randint(200, size=50)   (numpy 2.4.6)
    const mask = [87, 176, 148, 11, 198, 2, 119, 84, 106, 18, 34, 60, 34, 33, 35, 145, 44, 27, 129, 97, 89,
      61, 123, 53, 28, 111, 147, 92, 198, 60, 67, 64, 74, 178, 7, 190, 113, 20, 45, 134, 96, 167, 13, 30, 124,
      70, 113, 102, 175, 113];
    expect(data.trainCaptions.shape).toEqual([50, 17]);
    expect(data.trainCaptions.data).toEqual(rows(fx.trainCaptions, mask));
    expect(Array.from(data.trainImageIdxs.data)).toEqual(mask.map((k) => fx.trainImageIdxs.data[k]));
    // only captions and image indices are subsampled
    expectSame(data.trainFeatures, fx.trainFeatures, 'trainFeatures');
    expectSame(data.valCaptions, fx.valCaptions, 'valCaptions');
    expectSame(data.valImageIdxs, fx.valImageIdxs, 'valImageIdxs');
    expectSame(data.valFeatures, fx.valFeatures, 'valFeatures');
    expect(data.trainUrls).toEqual(fx.trainUrls);
  });

  it('maxTrain defaults to seed 0, may exceed the number of captions, and is deterministic', async () => {
    const a = await loadCocoData(dir, { maxTrain: 500 });
    const b = await loadCocoData(dir, { maxTrain: 500, seed: 0 });
    expect(a.trainCaptions.shape).toEqual([500, 17]);
    expect(a.trainCaptions.data).toEqual(b.trainCaptions.data);
    const mask = new LegacyRandom(0).randintArray(200, 500);
    expect(a.trainCaptions.data).toEqual(rows(fx.trainCaptions, mask));
    expect(new Set(mask).size).toBeLessThan(200); // duplicates: drawn with replacement
  });

  it('is deterministic for a seed', async () => {
    const again = await writeCocoFixture(freshDir(), { numTrainImages: 40, numValImages: 20, captionsPerImage: 5, seed: 1, vocab });
    expectSame(again.trainCaptions, fx.trainCaptions, 'trainCaptions');
    expectSame(again.valFeatures, fx.valFeatures, 'valFeatures');
  });
});

describe('numpy legacy stream behind maxTrain', () => {
  const vec = () => readFile(fixture('rng_legacy_mt19937.json'), 'utf8').then((s) => JSON.parse(s).cases[0]);

  it('reproduces the vector stream: randint(400135, size=6) after randn(4,5), randn(3)', async () => {
    const c = await vec();
    const rng = new LegacyRandom(c.seed);
    const first = new LegacyRandom(c.seed);
    expect(Array.from({ length: 8 }, () => first.nextU32())).toEqual(c.first_uint32);
    // randn(4,5) + randn(3) = 23 normals = 12 accepted Marsaglia polar pairs. The rejection test
    // uses only rand(), so the stream can be advanced without the wasm log; Math.log checks the values.
    const normals: number[] = [];
    for (let p = 0; p < 12; p++) {
      let x1: number, x2: number, r2: number;
      do {
        x1 = 2 * rng.rand() - 1;
        x2 = 2 * rng.rand() - 1;
        r2 = x1 * x1 + x2 * x2;
      } while (r2 >= 1 || r2 === 0);
      const f = Math.sqrt((-2 * Math.log(r2)) / r2);
      normals.push(f * x2, f * x1);
    }
    const want = [...c.calls[0].result.data, ...c.calls[1].result.data];
    want.forEach((v: number, i: number) => expect(normals[i]).toBeCloseTo(v, 12));
    expect(c.calls[2].call).toBe('randint');
    expect(c.calls[2].args[0]).toBe(400135);
    expect(Array.from(rng.randintArray(400135, 6))).toEqual(c.calls[2].result.data);
  });

  it('loadCocoData(maxTrain=6, seed=231) on 400135 captions equals np.random.seed(231); randint(400135, size=6)', async () => {
    const Nc = 400135;
    const L = 2; // short rows keep the file small; row k is [k % 1004, (7k) % 1004]
    const caps = new Int32Array(Nc * L);
    const idxs = new Int32Array(Nc);
    for (let k = 0; k < Nc; k++) {
      caps[k * 2] = k % 1004;
      caps[k * 2 + 1] = (7 * k) % 1004;
      idxs[k] = k % 3;
    }
    const dir = freshDir();
    await writeCocoFixture(dir, {
      vocab, captionLength: L, featureDim: 4, numTrainImages: 3, numValImages: 2, captionsPerImage: 1,
      trainCaptions: caps, trainImageIdxs: idxs, valCaptions: [[1, 2], [1, 2]],
    });
    const t0 = performance.now();
    const data = await loadCocoData(dir, { maxTrain: 6, seed: 231 });
    console.log(`loadCocoData(400135 captions, maxTrain 6): ${(performance.now() - t0).toFixed(1)} ms`);
    const mask = [319243, 29382, 159234, 372052, 311537, 77602]; // numpy 2.4.6
    expect(Array.from(data.trainCaptions.data)).toEqual(mask.flatMap((k) => [k % 1004, (7 * k) % 1004]));
    expect(Array.from(data.trainImageIdxs.data)).toEqual(mask.map((k) => k % 3));
  });
});

describe('variants', () => {
  it('pcaFeatures: false reads the raw fc7 files', async () => {
    const dir = freshDir();
    const fx = await writeCocoFixture(dir, { numTrainImages: 6, numValImages: 3, captionsPerImage: 2, pcaOnly: false, seed: 3 });
    expect(fx.files.map((f) => f.slice(dir.length + 1))).toContain(COCO_FILES.trainRaw);
    const raw = await loadCocoData(dir, { pcaFeatures: false });
    expect(raw.trainFeatures.shape).toEqual([6, 4096]);
    expect(raw.valFeatures.shape).toEqual([3, 4096]);
    expectSame(raw.trainFeatures, fx.trainRawFeatures!, 'trainRawFeatures');
    expectSame(raw.valFeatures, fx.valRawFeatures!, 'valRawFeatures');
    expect(Math.min(...raw.trainFeatures.data)).toBeGreaterThanOrEqual(0);
    const pca = await loadCocoData(dir);
    expectSame(pca.trainFeatures, fx.trainFeatures, 'trainFeatures');
    expectSame(pca.trainCaptions, raw.trainCaptions, 'captions');
  });

  it('leaves urls undefined when the url files are absent', async () => {
    const dir = freshDir();
    await writeCocoFixture(dir, { numTrainImages: 3, numValImages: 2, withUrls: false, featureDim: 8 });
    const data = await loadCocoData(dir);
    expect(data.trainUrls).toBeUndefined();
    expect(data.valUrls).toBeUndefined();
    expect('trainUrls' in data).toBe(false);
  });

  it('reads only the url file that is present, with CRLF and a missing final newline', async () => {
    const dir = freshDir();
    await writeCocoFixture(dir, { numTrainImages: 3, numValImages: 2, featureDim: 8 });
    await unlink(join(dir, COCO_FILES.valUrls));
    await writeFile(join(dir, COCO_FILES.trainUrls), 'http://a/1.jpg\r\nhttp://a/2.jpg\r\nhttp://a/3.jpg');
    const data = await loadCocoData(dir);
    expect(data.trainUrls).toEqual(['http://a/1.jpg', 'http://a/2.jpg', 'http://a/3.jpg']);
    expect(data.valUrls).toBeUndefined();
  });

  it('uses explicit captions, indices, features and urls', async () => {
    const dir = freshDir();
    const trainFeatures = new Float32Array([1, 2, 3, 4, 5, 6]); // 3 images x 2
    const fx = await writeCocoFixture(dir, {
      featureDim: 2, captionLength: 5,
      trainCaptions: [[1, 4, 5, 2, 0], [1, 6, 2, 0, 0]], trainImageIdxs: [2, 0], trainFeatures,
      valCaptions: [[1, 3, 2, 0, 0]], valFeatures: [[0.5, -0.5]], trainUrls: ['u0', 'u1', 'u2'], valUrls: ['v0'],
    });
    const data = await loadCocoData(dir);
    expect(data.trainCaptions.toArray()).toEqual([[1, 4, 5, 2, 0], [1, 6, 2, 0, 0]]);
    expect(Array.from(data.trainImageIdxs.data)).toEqual([2, 0]);
    expect(Array.from(data.trainFeatures.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(data.trainFeatures.shape).toEqual([3, 2]);
    expect(data.valFeatures.toArray()).toEqual([[0.5, -0.5]]);
    expect(Array.from(data.valImageIdxs.data)).toEqual([0]);
    expect(data.trainUrls).toEqual(['u0', 'u1', 'u2']);
    expect(data.idxToWord[4]).toBe('a'); // the built-in toy vocabulary
    expectSame(data.trainCaptions, fx.trainCaptions, 'trainCaptions');
  });

  it('reads gzip-compressed, chunked datasets', async () => {
    const dir = freshDir();
    const fx = await writeCocoFixture(dir, { numTrainImages: 300, numValImages: 2, featureDim: 16, seed: 11 });
    await writeH5(join(dir, COCO_FILES.trainPca), [{ name: 'features', data: fx.trainFeatures.data, shape: [300, 16], dtype: '<f', chunks: [7, 16], compression: 'gzip' }]);
    await writeH5(join(dir, COCO_FILES.captions), [
      { name: 'train_captions', data: fx.trainCaptions.data, shape: [1500, 17], dtype: '<i', chunks: [100, 17], compression: 'gzip' },
      { name: 'train_image_idxs', data: fx.trainImageIdxs.data, shape: [1500], dtype: '<i', chunks: [64], compression: 'gzip' },
      { name: 'val_captions', data: fx.valCaptions.data, shape: [10, 17], dtype: '<i' },
      { name: 'val_image_idxs', data: fx.valImageIdxs.data, shape: [10], dtype: '<i' },
    ]);
    const data = await loadCocoData(dir);
    expectSame(data.trainFeatures, fx.trainFeatures, 'trainFeatures');
    expectSame(data.trainCaptions, fx.trainCaptions, 'trainCaptions');
    expectSame(data.trainImageIdxs, fx.trainImageIdxs, 'trainImageIdxs');
  });

  it('converts int64 captions and float64 features on disk to int32 / float32', async () => {
    const dir = freshDir();
    const fx = await writeCocoFixture(dir, { numTrainImages: 4, numValImages: 2, featureDim: 8, captionDtype: 'int64', featureDtype: 'float64', seed: 5 });
    const h5 = await loadH5wasm();
    const f = new h5.File(join(dir, COCO_FILES.captions), 'r');
    expect((f.get('train_captions') as InstanceType<typeof h5.Dataset>).dtype).toBe('<q');
    f.close();
    const data = await loadCocoData(dir);
    expect(data.trainCaptions.dtype).toBe('int32');
    expect(data.trainFeatures.dtype).toBe('float32');
    expectSame(data.trainCaptions, fx.trainCaptions, 'trainCaptions');
    expectSame(data.valImageIdxs, fx.valImageIdxs, 'valImageIdxs');
    expectSame(data.trainFeatures, fx.trainFeatures, 'trainFeatures');
  });
});

describe('errors', () => {
  // A small valid directory, copied per test and then broken.
  let base: string;
  let fx: CocoFixture;
  beforeAll(async () => {
    base = freshDir();
    fx = await writeCocoFixture(base, { numTrainImages: 3, numValImages: 2, captionsPerImage: 2, featureDim: 4, vocab, seed: 9 });
  });
  async function copyBase(): Promise<string> {
    const dir = freshDir();
    await mkdir(dir, { recursive: true });
    for (const f of fx.files) await copyFile(f, join(dir, f.slice(base.length + 1)));
    return dir;
  }
  async function failure(p: Promise<unknown>): Promise<Error> {
    try {
      await p;
    } catch (e) {
      return e as Error;
    }
    throw new Error('expected a rejection');
  }
  const captionsSets = () => ({
    train_captions: { name: 'train_captions', data: fx.trainCaptions.data, shape: [6, 17], dtype: '<i' },
    train_image_idxs: { name: 'train_image_idxs', data: fx.trainImageIdxs.data, shape: [6], dtype: '<i' },
    val_captions: { name: 'val_captions', data: fx.valCaptions.data, shape: [4, 17], dtype: '<i' },
    val_image_idxs: { name: 'val_image_idxs', data: fx.valImageIdxs.data, shape: [4], dtype: '<i' },
  });
  type DS = { name: string; data: ArrayLike<number> | BigInt64Array; shape: number[]; dtype: string };
  async function withCaptions(change: (s: Record<string, DS>) => void): Promise<string> {
    const dir = await copyBase();
    const sets: Record<string, DS> = captionsSets();
    change(sets);
    await writeH5(join(dir, COCO_FILES.captions), Object.values(sets));
    return dir;
  }

  it('the base fixture loads', async () => {
    const data = await loadCocoData(await copyBase());
    expect(data.trainCaptions.shape).toEqual([6, 17]);
  });

  it('missing directory: names it and says how to get the data', async () => {
    const e = await failure(loadCocoData(join(root, 'nope', 'coco_captioning')));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toBe(join(root, 'nope', 'coco_captioning'));
    expect(e.message).toMatch(/does not exist/);
    expect(e.message).toContain('get_coco_captioning.sh');
    expect(e.message).toContain('coco_captioning.zip');
    expect(e.message).toContain('the directory must contain coco2014_captions.h5');
  });

  it('a file in place of the directory', async () => {
    const e = await failure(loadCocoData(fx.files[0]));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/not a directory/);
  });

  it.each([COCO_FILES.captions, COCO_FILES.vocab, COCO_FILES.trainPca, COCO_FILES.valPca])('missing %s', async (name) => {
    const dir = await copyBase();
    await unlink(join(dir, name));
    const e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toBe(join(dir, name));
    expect(e.message).toContain(`missing file ${name}`);
    expect(e.message).toContain('get_coco_captioning.sh');
  });

  it('missing raw fc7 files with pcaFeatures: false (both named)', async () => {
    const dir = await copyBase();
    const e = await failure(loadCocoData(dir, { pcaFeatures: false }));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toBe(join(dir, COCO_FILES.trainRaw));
    expect(e.message).toContain(`missing files ${COCO_FILES.trainRaw}, ${COCO_FILES.valRaw}`);
  });

  it('not an HDF5 file', async () => {
    const dir = await copyBase();
    await writeFile(join(dir, COCO_FILES.trainPca), 'this is not HDF5\n');
    const e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toBe(join(dir, COCO_FILES.trainPca));
    expect(e.message).toMatch(/not an HDF5 file/);
  });

  it('an empty .h5 file', async () => {
    const dir = await copyBase();
    await writeFile(join(dir, COCO_FILES.captions), '');
    const e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/not an HDF5 file/);
  });

  it('a truncated HDF5 file', async () => {
    const dir = await copyBase();
    await truncate(join(dir, COCO_FILES.valPca), 300);
    const e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toBe(join(dir, COCO_FILES.valPca));
    expect(e.message).toMatch(/HDF5 could not (open|read) the file \(corrupt or truncated\?\)/);
  });

  it('an HDF5 file whose data is cut off', async () => {
    const dir = await copyBase();
    const path = join(dir, COCO_FILES.trainPca);
    await writeH5(path, [{ name: 'features', data: new Float32Array(3000 * 4).fill(1), shape: [3000, 4], dtype: '<f' }]);
    await truncate(path, 20000); // header intact, most of the 48 KB of data gone
    const e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toBe(path);
    expect(e.message).toMatch(/HDF5 could not (open|read) the file/);
  });

  it('missing dataset', async () => {
    const dir = await withCaptions((s) => delete s.val_image_idxs);
    const e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/missing dataset 'val_image_idxs'/);
  });

  it('captions of the wrong rank', async () => {
    const dir = await withCaptions((s) => (s.train_captions.shape = [6 * 17]));
    const e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toBe(join(dir, COCO_FILES.captions));
    expect(e.message).toContain("dataset 'train_captions': expected shape (Nc, T), got shape (102)");
  });

  it('image indices not matching the captions', async () => {
    const dir = await withCaptions((s) => Object.assign(s.train_image_idxs, { data: [0, 1, 2], shape: [3] }));
    const e = await failure(loadCocoData(dir));
    expect(e.message).toContain("dataset 'train_image_idxs': expected shape (6), got shape (3)");
  });

  it('val captions of another length', async () => {
    const dir = await withCaptions((s) => Object.assign(s.val_captions, { data: new Int32Array(4 * 16), shape: [4, 16] }));
    const e = await failure(loadCocoData(dir));
    expect(e.message).toContain("dataset 'val_captions': expected shape (Nc, 17), got shape (4, 16)");
  });

  it('captions of a float dtype', async () => {
    const dir = await withCaptions((s) => Object.assign(s.train_captions, { data: Float32Array.from(fx.trainCaptions.data), dtype: '<f' }));
    const e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain("dataset 'train_captions': expected an integer dtype (int32 as shipped), got float32");
  });

  it('int64 values that do not fit int32', async () => {
    const dir = await withCaptions((s) => {
      const big = BigInt64Array.from(fx.valImageIdxs.data, (v) => BigInt(v));
      big[3] = 1n << 40n;
      Object.assign(s.val_image_idxs, { data: big, dtype: '<q' });
    });
    const e = await failure(loadCocoData(dir));
    expect(e.message).toContain("dataset 'val_image_idxs' (int64): element 3 = 1099511627776 does not fit in int32");
  });

  it('features of the wrong dtype, rank and width', async () => {
    const dir = await copyBase();
    await writeH5(join(dir, COCO_FILES.trainPca), [{ name: 'features', data: new Int32Array(12), shape: [3, 4], dtype: '<i' }]);
    let e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toBe(join(dir, COCO_FILES.trainPca));
    expect(e.message).toContain("dataset 'features': expected float32 (or float64), got int32");

    await writeH5(join(dir, COCO_FILES.trainPca), [{ name: 'features', data: new Float32Array(12), shape: [3, 2, 2], dtype: '<f' }]);
    e = await failure(loadCocoData(dir));
    expect(e.message).toContain("dataset 'features': expected shape (Ni, D), got shape (3, 2, 2)");

    await writeH5(join(dir, COCO_FILES.trainPca), [{ name: 'features', data: new Float32Array(12), shape: [3, 4], dtype: '<f' }]);
    await writeH5(join(dir, COCO_FILES.valPca), [{ name: 'features', data: new Float32Array(10), shape: [2, 5], dtype: '<f' }]);
    e = await failure(loadCocoData(dir));
    expect((e as FormatError).file).toBe(join(dir, COCO_FILES.valPca));
    expect(e.message).toContain("dataset 'features': expected shape (Ni, 4), got shape (2, 5)");

    await writeH5(join(dir, COCO_FILES.valPca), [{ name: 'feats', data: new Float32Array(8), shape: [2, 4], dtype: '<f' }]);
    e = await failure(loadCocoData(dir));
    expect(e.message).toContain("missing dataset 'features'");
  });

  it('caption word ids outside [0, V)', async () => {
    let dir = await withCaptions((s) => {
      const c = Int32Array.from(fx.trainCaptions.data);
      c[20] = 1004;
      s.train_captions.data = c;
    });
    let e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain("dataset 'train_captions': values must lie in [0, 1004)");
    expect(e.message).toContain('got 1004 at element 20');

    dir = await withCaptions((s) => {
      const c = Int32Array.from(fx.valCaptions.data);
      c[5] = -1;
      s.val_captions.data = c;
    });
    e = await failure(loadCocoData(dir));
    expect(e.message).toContain("dataset 'val_captions': values must lie in [0, 1004)");
    expect(e.message).toContain('got -1 at element 5');
  });

  it('image indices outside [0, Ni)', async () => {
    let dir = await withCaptions((s) => (s.train_image_idxs.data = [0, 0, 1, 1, 2, 3]));
    let e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain("dataset 'train_image_idxs': values must lie in [0, 3)");
    expect(e.message).toContain('got 3 at element 5');
    dir = await withCaptions((s) => (s.val_image_idxs.data = [0, -2, 1, 1]));
    e = await failure(loadCocoData(dir));
    expect(e.message).toContain("dataset 'val_image_idxs': values must lie in [0, 2)");
  });

  it('bad vocabulary json', async () => {
    const dir = await copyBase();
    const vp = join(dir, COCO_FILES.vocab);
    await writeFile(vp, '{"idx_to_word": [');
    let e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).file).toBe(vp);
    expect(e.message).toMatch(/not valid JSON/);
    await writeFile(vp, JSON.stringify({ idx_to_word: ['<NULL>', 'a'], word_to_idx: { '<NULL>': 0, a: 2 } }));
    e = await failure(loadCocoData(dir));
    expect(e.message).toContain('word_to_idx["a"] must be 1');
    await writeFile(vp, JSON.stringify({ words: [] }));
    e = await failure(loadCocoData(dir));
    expect(e.message).toContain('idx_to_word');
  });

  it('url file with the wrong number of lines', async () => {
    const dir = await copyBase();
    await writeFile(join(dir, COCO_FILES.valUrls), 'http://a/1.jpg\n');
    const e = await failure(loadCocoData(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('expected one URL per feature row (2 lines), got 1');
  });

  it.each([
    [{ maxTrain: 0 }, 'maxTrain'], [{ maxTrain: -3 }, 'maxTrain'], [{ maxTrain: 2.5 }, 'maxTrain'],
    [{ maxTrain: '50' }, 'maxTrain'], [{ maxTrain: NaN }, 'maxTrain'], [{ pcaFeatures: 'yes' }, 'pcaFeatures'],
    [{ seed: -1 }, 'seed'], [{ seed: 1.5 }, 'seed'], [{ seed: 2 ** 32 }, 'seed'],
  ])('bad option %o', async (opts, arg) => {
    const e = await failure(loadCocoData(base, opts as never));
    expect(e).toBeInstanceOf(RecapError);
    expect((e as RecapError).argument).toBe(arg);
  });

  it('bad baseDir', async () => {
    const e = await failure(loadCocoData(42 as never));
    expect(e).toBeInstanceOf(RecapError);
  });

  it('writeCocoFixture checks its input', async () => {
    const dir = freshDir();
    await expect(writeCocoFixture(dir, { numTrainImages: 0 })).rejects.toThrow(RecapError);
    await expect(writeCocoFixture(dir, { trainCaptions: [[1, 99]], captionLength: 2 })).rejects.toThrow(/word id in \[0, 20\)/);
    await expect(writeCocoFixture(dir, { featureDim: 3, trainFeatures: new Float32Array(7) })).rejects.toThrow(/multiple of featureDim/);
    await expect(writeCocoFixture(dir, { vocab: { idx_to_word: ['x', 'y'] } })).rejects.toThrow(/<NULL>/);
    await expect(writeCocoFixture(dir, { numTrainImages: 2, trainImageIdxs: [0, 5] })).rejects.toThrow(RecapError);
  });
});
