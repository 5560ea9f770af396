// writeCocoFixture: writes a small directory in exactly the CS231n `coco_captioning` layout
// (same file names, HDF5 dataset names and dtypes, vocabulary JSON and URL lists), so that
// loadCocoData can read it. For tests, toy experiments ("overfit 50 captions") and users who
// want to try the pipeline without the 1 GB download. Node-only.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecapError, describe } from '../../src/core/errors.js';
import { LegacyRandom } from '../../src/core/rng.js';
import { Tensor } from '../../src/core/tensor.js';
import { COCO_FILES, loadH5wasm } from '../../src/data/coco.node.js';
import type { CaptionData } from '../../src/data/types.js';

export interface CocoVocab {
  idx_to_word: string[];
  /** Derived from idx_to_word when omitted. */
  word_to_idx?: Record<string, number>;
}

/** Caption rows: a Tensor (Nc, L), nested rows, or a flat array of Nc * captionLength ids. */
export type CaptionsInput = Tensor | Int32Array | ArrayLike<number> | number[][];
/** Features: a Tensor (Ni, D), nested rows, or a flat row-major array of Ni * D values. */
export type FeaturesInput = Tensor | Float32Array | Float64Array | ArrayLike<number> | number[][];

export interface CocoFixtureOptions {
  /** Training images (feature rows) to generate; default 10. Ignored when trainFeatures is given. */
  numTrainImages?: number;
  /** Validation images to generate; default 5. Ignored when valFeatures is given. */
  numValImages?: number;
  /** Generated captions per image; default 5. Ignored for a split whose captions are given. */
  captionsPerImage?: number;
  /** Caption row length; default 17 (CS231n: <START>, up to 15 words, <END>, <NULL> padding). */
  captionLength?: number;
  /** Width of the "PCA" features; default 512. */
  featureDim?: number;
  /** Width of the raw fc7 features written when pcaOnly is false; default 4096. */
  rawFeatureDim?: number;
  /** Seed of the numpy-legacy RNG that generates whatever is not given; default 0. */
  seed?: number;
  /** Vocabulary; default a small built-in one (<NULL> <START> <END> <UNK> + 16 words). */
  vocab?: CocoVocab;
  /** Write only the PCA feature files (default true); false also writes the raw fc7 files. */
  pcaOnly?: boolean;
  /** Write train2014_urls.txt / val2014_urls.txt (default true). */
  withUrls?: boolean;
  /** On-disk integer type of captions and image indices; default 'int32' (as shipped). */
  captionDtype?: 'int32' | 'int64';
  /** On-disk float type of the features; default 'float32' (as shipped). */
  featureDtype?: 'float32' | 'float64';
  trainCaptions?: CaptionsInput;
  /** Feature row of each caption; default: captions spread evenly over the images in order. */
  trainImageIdxs?: ArrayLike<number>;
  trainFeatures?: FeaturesInput;
  trainRawFeatures?: FeaturesInput;
  valCaptions?: CaptionsInput;
  valImageIdxs?: ArrayLike<number>;
  valFeatures?: FeaturesInput;
  valRawFeatures?: FeaturesInput;
  trainUrls?: string[];
  valUrls?: string[];
}

/** What was written: the data as loadCocoData returns it (float32 features), plus the paths. */
export interface CocoFixture extends CaptionData {
  dir: string;
  /** Absolute or relative paths (joined onto `dir`) of every file written. */
  files: string[];
  trainRawFeatures?: Tensor;
  valRawFeatures?: Tensor;
}

/** The built-in toy vocabulary. */
export const TOY_VOCAB_WORDS: readonly string[] = Object.freeze([
  '<NULL>', '<START>', '<END>', '<UNK>', 'a', 'on', 'of', 'the', 'in', 'with', 'and', 'is',
  'man', 'cat', 'dog', 'sitting', 'table', 'street', 'red', 'two',
]);

function posInt(name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RecapError(name, `an integer >= ${min}`, describe(v));
  }
  return v;
}

function toFlat(name: string, x: FeaturesInput | CaptionsInput): { data: ArrayLike<number>; shape?: readonly number[] } {
  if (x instanceof Tensor) return { data: x.data, shape: x.shape };
  if (Array.isArray(x) && x.length > 0 && Array.isArray(x[0])) {
    const rows = x as number[][];
    const L = rows[0].length;
    const flat: number[] = [];
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== L) throw new RecapError(`${name}[${i}]`, `a row of length ${L}`, Array.isArray(r) ? `length ${r.length}` : typeof r);
      flat.push(...r);
    });
    return { data: flat, shape: [rows.length, L] };
  }
  if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<number>).length !== 'number') {
    throw new RecapError(name, 'a Tensor, typed array or array', describe(x));
  }
  return { data: x as ArrayLike<number> };
}

function captionsFrom(name: string, x: CaptionsInput, L: number, V: number): Int32Array {
  const { data, shape } = toFlat(name, x);
  if (shape !== undefined && (shape.length !== 2 || shape[1] !== L)) {
    throw new RecapError(name, `shape (Nc, ${L})`, `(${shape.join(', ')})`);
  }
  if (data.length === 0 || data.length % L !== 0) throw new RecapError(name, `a non-empty multiple of captionLength = ${L} ids`, `${data.length}`);
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < 0 || v >= V) throw new RecapError(`${name}[${i}]`, `a word id in [0, ${V})`, describe(v));
    out[i] = v;
  }
  return out;
}

function featuresFrom(name: string, x: FeaturesInput, D: number, dimName: string): Float64Array {
  const { data, shape } = toFlat(name, x);
  if (shape !== undefined && (shape.length !== 2 || shape[1] !== D)) {
    throw new RecapError(name, `shape (Ni, ${D}) (${dimName} = ${D})`, `(${shape.join(', ')})`);
  }
  if (data.length === 0 || data.length % D !== 0) throw new RecapError(name, `a non-empty multiple of ${dimName} = ${D} values`, `${data.length}`);
  return Float64Array.from(data);
}

function generateCaptions(rng: LegacyRandom, n: number, L: number, vocab: string[], w2i: Record<string, number>): Int32Array {
  const need = ['<NULL>', '<START>', '<END>'];
  for (const w of need) {
    if (!(w in w2i)) throw new RecapError('vocab', `a vocabulary holding ${need.join(', ')} to generate captions`, `one without ${w}`);
  }
  if (L < 3) throw new RecapError('captionLength', 'an integer >= 3 to generate captions', String(L));
  const specials = new Set([w2i['<NULL>'], w2i['<START>'], w2i['<END>']]);
  const pool: number[] = [];
  for (let i = 0; i < vocab.length; i++) if (!specials.has(i)) pool.push(i);
  if (pool.length === 0) throw new RecapError('vocab', 'at least one word besides <NULL> <START> <END>', `${vocab.length} tokens`);
  const out = new Int32Array(n * L).fill(w2i['<NULL>']);
  for (let k = 0; k < n; k++) {
    const row = k * L;
    const words = 1 + rng.randint(L - 2); // 1 .. L-2 words
    out[row] = w2i['<START>'];
    for (let j = 0; j < words; j++) out[row + 1 + j] = pool[rng.randint(pool.length)];
    out[row + 1 + words] = w2i['<END>'];
  }
  return out;
}

function uniform(rng: LegacyRandom, n: number, lo: number, hi: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.rand();
  return out;
}

/**
 * Writes a CS231n-layout `coco_captioning` directory into `dir` (created if needed):
 * `coco2014_captions.h5` (train_captions, train_image_idxs, val_captions, val_image_idxs),
 * `train2014_vgg16_fc7_pca.h5` / `val2014_vgg16_fc7_pca.h5` (dataset `features`), with
 * `pcaOnly: false` also `train2014_vgg16_fc7.h5` / `val2014_vgg16_fc7.h5`,
 * `coco2014_vocab.json` and, with `withUrls`, `train2014_urls.txt` / `val2014_urls.txt`.
 *
 * Anything not given is generated from `seed` with the numpy-legacy RNG, in this order:
 * train captions, train features, val captions, val features, raw train, raw val features.
 * Generated captions are `<START>`, 1 to captionLength-2 random words (any token but
 * `<NULL>`/`<START>`/`<END>`), `<END>`, `<NULL>` padding; generated PCA features are uniform in
 * [-1, 1), raw fc7 features uniform in [0, 1) (post-ReLU). Features are stored as float32 by
 * default, so the returned features are the float32 values loadCocoData will read back.
 */
export async function writeCocoFixture(dir: string, options: CocoFixtureOptions = {}): Promise<CocoFixture> {
  if (typeof dir !== 'string' || dir === '') throw new RecapError('dir', 'a directory path', describe(dir));
  if (options === null || typeof options !== 'object') throw new RecapError('options', 'an object', describe(options));
  const o = options;
  const captionsPerImage = posInt('captionsPerImage', o.captionsPerImage ?? 5);
  const L = posInt('captionLength', o.captionLength ?? 17, 2);
  const D = posInt('featureDim', o.featureDim ?? 512);
  const rawD = posInt('rawFeatureDim', o.rawFeatureDim ?? 4096);
  const seed = o.seed ?? 0;
  const pcaOnly = o.pcaOnly ?? true;
  const withUrls = o.withUrls ?? true;
  const captionDtype = o.captionDtype ?? 'int32';
  const featureDtype = o.featureDtype ?? 'float32';
  if (captionDtype !== 'int32' && captionDtype !== 'int64') throw new RecapError('captionDtype', "'int32' or 'int64'", describe(captionDtype));
  if (featureDtype !== 'float32' && featureDtype !== 'float64') throw new RecapError('featureDtype', "'float32' or 'float64'", describe(featureDtype));

  // Vocabulary.
  const idxToWord = [...(o.vocab?.idx_to_word ?? TOY_VOCAB_WORDS)];
  if (idxToWord.length === 0 || idxToWord.some((w) => typeof w !== 'string')) {
    throw new RecapError('vocab.idx_to_word', 'a non-empty array of strings', describe(o.vocab?.idx_to_word));
  }
  let wordToIdx: Record<string, number>;
  if (o.vocab?.word_to_idx !== undefined) {
    wordToIdx = o.vocab.word_to_idx;
    idxToWord.forEach((w, i) => {
      if (wordToIdx[w] !== i) throw new RecapError(`vocab.word_to_idx[${JSON.stringify(w)}]`, `${i} (its index in idx_to_word)`, describe(wordToIdx[w]));
    });
    if (Object.keys(wordToIdx).length !== idxToWord.length) {
      throw new RecapError('vocab.word_to_idx', `${idxToWord.length} words (as idx_to_word)`, `${Object.keys(wordToIdx).length}`);
    }
  } else {
    wordToIdx = {};
    idxToWord.forEach((w, i) => {
      if (Object.prototype.hasOwnProperty.call(wordToIdx, w)) throw new RecapError('vocab.idx_to_word', 'distinct words', `${JSON.stringify(w)} twice`);
      wordToIdx[w] = i;
    });
  }
  const V = idxToWord.length;

  const rng = new LegacyRandom(seed);

  const split = (name: 'train' | 'val') => {
    const given = {
      captions: name === 'train' ? o.trainCaptions : o.valCaptions,
      idxs: name === 'train' ? o.trainImageIdxs : o.valImageIdxs,
      features: name === 'train' ? o.trainFeatures : o.valFeatures,
    };
    const featuresName = `${name}Features`;
    let features: Float64Array;
    if (given.features !== undefined) features = featuresFrom(featuresName, given.features, D, 'featureDim');
    // features are generated after the captions (below) when not given
    let numImages: number;
    if (given.features !== undefined) numImages = features!.length / D;
    else numImages = posInt(name === 'train' ? 'numTrainImages' : 'numValImages', (name === 'train' ? o.numTrainImages : o.numValImages) ?? (name === 'train' ? 10 : 5));

    const captions = given.captions !== undefined
      ? captionsFrom(`${name}Captions`, given.captions, L, V)
      : generateCaptions(rng, numImages * captionsPerImage, L, idxToWord, wordToIdx);
    const nc = captions.length / L;
    const idxs = new Int32Array(nc);
    if (given.idxs !== undefined) {
      if (given.idxs.length !== nc) throw new RecapError(`${name}ImageIdxs`, `${nc} indices (one per caption)`, `${given.idxs.length}`);
      for (let i = 0; i < nc; i++) {
        const v = given.idxs[i];
        if (!Number.isInteger(v) || v < 0 || v >= numImages) throw new RecapError(`${name}ImageIdxs[${i}]`, `an image index in [0, ${numImages})`, describe(v));
        idxs[i] = v;
      }
    } else {
      for (let i = 0; i < nc; i++) idxs[i] = Math.min(numImages - 1, Math.floor((i * numImages) / nc));
    }
    if (given.features === undefined) features = uniform(rng, numImages * D, -1, 1);
    return { captions, idxs, features: features!, numImages };
  };
  const train = split('train');
  const val = split('val');

  const rawFor = (name: 'train' | 'val', numImages: number): Float64Array | undefined => {
    if (pcaOnly) return undefined;
    const given = name === 'train' ? o.trainRawFeatures : o.valRawFeatures;
    if (given !== undefined) {
      const f = featuresFrom(`${name}RawFeatures`, given, rawD, 'rawFeatureDim');
      if (f.length / rawD !== numImages) throw new RecapError(`${name}RawFeatures`, `${numImages} rows (as the PCA features)`, `${f.length / rawD}`);
      return f;
    }
    return uniform(rng, numImages * rawD, 0, 1);
  };
  const trainRaw = rawFor('train', train.numImages);
  const valRaw = rawFor('val', val.numImages);

  const urlsFor = (name: 'train' | 'val', numImages: number): string[] | undefined => {
    if (!withUrls) return undefined;
    const given = name === 'train' ? o.trainUrls : o.valUrls;
    if (given !== undefined) {
      if (!Array.isArray(given) || given.length !== numImages || given.some((u) => typeof u !== 'string' || /[\r\n]/.test(u) || u.trim() !== u)) {
        throw new RecapError(`${name}Urls`, `${numImages} strings (one per image) without line breaks or surrounding spaces`, Array.isArray(given) ? `${given.length} entries` : describe(given));
      }
      return [...given];
    }
    return Array.from({ length: numImages }, (_, i) => `http://images.example.org/coco-fixture/${name}2014/${String(i).padStart(12, '0')}.jpg`);
  };
  const trainUrls = urlsFor('train', train.numImages);
  const valUrls = urlsFor('val', val.numImages);

  // Write.
  await mkdir(dir, { recursive: true });
  const h5 = await loadH5wasm();
  const files: string[] = [];
  const intType = captionDtype === 'int64' ? '<q' : '<i'; // h5wasm uses struct codes: q = int64, i = int32
  const asInt = (a: Int32Array): Int32Array | BigInt64Array =>
    captionDtype === 'int64' ? BigInt64Array.from(a, (v) => BigInt(v)) : a;
  const floatType = featureDtype === 'float64' ? '<d' : '<f'; // d = float64, f = float32
  const asFloat = (a: Float64Array): Float32Array | Float64Array => (featureDtype === 'float64' ? a : Float32Array.from(a));

  const writeH5 = (name: string, datasets: { name: string; data: Int32Array | BigInt64Array | Float32Array | Float64Array; shape: number[]; dtype: string }[]): void => {
    const path = join(dir, name);
    const f = new h5.File(path, 'w');
    try {
      for (const d of datasets) {
        f.create_dataset({ name: d.name, data: d.data, shape: d.shape, dtype: d.dtype });
      }
    } finally {
      f.close();
    }
    files.push(path);
  };

  writeH5(COCO_FILES.captions, [
    { name: 'train_captions', data: asInt(train.captions), shape: [train.captions.length / L, L], dtype: intType },
    { name: 'train_image_idxs', data: asInt(train.idxs), shape: [train.idxs.length], dtype: intType },
    { name: 'val_captions', data: asInt(val.captions), shape: [val.captions.length / L, L], dtype: intType },
    { name: 'val_image_idxs', data: asInt(val.idxs), shape: [val.idxs.length], dtype: intType },
  ]);
  const trainF = asFloat(train.features);
  const valF = asFloat(val.features);
  writeH5(COCO_FILES.trainPca, [{ name: 'features', data: trainF, shape: [train.numImages, D], dtype: floatType }]);
  writeH5(COCO_FILES.valPca, [{ name: 'features', data: valF, shape: [val.numImages, D], dtype: floatType }]);
  let trainRawT: Tensor | undefined;
  let valRawT: Tensor | undefined;
  if (trainRaw !== undefined && valRaw !== undefined) {
    const tr = asFloat(trainRaw);
    const vr = asFloat(valRaw);
    writeH5(COCO_FILES.trainRaw, [{ name: 'features', data: tr, shape: [train.numImages, rawD], dtype: floatType }]);
    writeH5(COCO_FILES.valRaw, [{ name: 'features', data: vr, shape: [val.numImages, rawD], dtype: floatType }]);
    trainRawT = new Tensor(Float32Array.from(tr), [train.numImages, rawD]);
    valRawT = new Tensor(Float32Array.from(vr), [val.numImages, rawD]);
  }

  const vocabPath = join(dir, COCO_FILES.vocab);
  await writeFile(vocabPath, JSON.stringify({ idx_to_word: idxToWord, word_to_idx: wordToIdx }));
  files.push(vocabPath);
  if (trainUrls !== undefined && valUrls !== undefined) {
    for (const [name, urls] of [[COCO_FILES.trainUrls, trainUrls], [COCO_FILES.valUrls, valUrls]] as const) {
      const path = join(dir, name);
      await writeFile(path, urls.map((u) => `${u}\n`).join(''));
      files.push(path);
    }
  }

  const out: CocoFixture = {
    dir,
    files,
    trainCaptions: new Tensor(train.captions, [train.captions.length / L, L]),
    trainImageIdxs: new Tensor(train.idxs, [train.idxs.length]),
    trainFeatures: new Tensor(Float32Array.from(trainF), [train.numImages, D]),
    valCaptions: new Tensor(val.captions, [val.captions.length / L, L]),
    valImageIdxs: new Tensor(val.idxs, [val.idxs.length]),
    valFeatures: new Tensor(Float32Array.from(valF), [val.numImages, D]),
    idxToWord,
    wordToIdx: { ...wordToIdx },
  };
  if (trainUrls !== undefined) out.trainUrls = trainUrls;
  if (valUrls !== undefined) out.valUrls = valUrls;
  if (trainRawT !== undefined) out.trainRawFeatures = trainRawT;
  if (valRawT !== undefined) out.valRawFeatures = valRawT;
  return out;
}
