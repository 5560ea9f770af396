// `recap prepro` as a function (Node): a Karpathy-split JSON plus feature files → PreparedData
// (vocabulary, encoded captions, splits, features, optional PCA), ready for writeRecapDataFile
// or for training directly. Everything is computed in memory first, so a failure writes nothing.
import { readFile } from 'node:fs/promises';
import { FormatError, fail } from '../core/errors.js';
import { readFileNamed } from '../core/files.node.js';
import { Tensor } from '../core/tensor.js';
import type { CaptionData } from './types.js';
import { parseKarpathy, prepareCaptions, toCaptionData, type PrepareOptions, type PrepareStats } from './karpathy.js';
import { readFeatures } from './feature-files.node.js';
import { applyPca, fitPca } from './pca.js';
import type { PreparedData } from './recapdata.js';
import { type FeatureRecipe, hashTensors } from './recipe.js';
import type { ImageEncoder } from '../vision/encoder.js';
import { encodeImageFiles } from '../vision/encode-files.node.js';
import type { ImageSize } from '../vision/preprocess.js';
import { join } from 'node:path';

/** The phases `onProgress` reports. */
export type PreproPhase = 'images' | 'features' | 'pca-covariance' | 'pca-eigen' | 'pca-project';

/** prepro from images: the Karpathy JSON's `filepath/filename` under `dir`, encoded in-process. */
export interface PreproImages {
  dir: string;
  encoder: ImageEncoder;
  /** torchvision's Resize and CenterCrop sizes (defaults 256 and 224; null skips the step). */
  resize?: ImageSize | null;
  crop?: ImageSize | null;
  /** Images per forward pass (default 8). */
  batch?: number;
  /** Keep each image's features here as {id}.npy while encoding, so an interrupted run resumes. */
  cacheDir?: string;
  /** Leave out images that cannot be read (with their captions) instead of throwing; `onBad` hears of each. */
  skipBad?: boolean;
  onBad?: (path: string, reason: string) => void;
}

export interface PreproOptions extends PrepareOptions {
  /** A folder of {id}.npy files, or one .npy / .npz / HDF5 file (see readFeatures). Either this or `images`. */
  features?: string;
  /** Encode the dataset's images instead of reading features. */
  images?: PreproImages;
  /** A file naming the rows of a single-array features file: one id per line, or a JSON array. */
  featureIds?: string;
  /** The features array's name in an .npz / HDF5 file. */
  featureKey?: string;
  /** Reduce the features to this many dimensions by PCA fitted on the training images (needs init()). */
  pca?: number;
  /** dtype of the stored features (default 'float32'). */
  dtype?: 'float32' | 'float64';
  onProgress?: (phase: PreproPhase, done: number, total: number) => void;
}

/** What prepro did, for the CLI's summary (also stored in the file's info). */
export interface PreproInfo extends PrepareStats {
  dataset: string | null;
  captions: string;
  features: string;
  images: { train: number; val: number; test: number };
  captionsPerSplit: { train: number; val: number; test: number };
  truncated: { train: number; val: number; test: number };
  featureDim: number;
  pca: number | null;
  /** Fraction of the training features' variance the PCA keeps (null without PCA). */
  pcaVarianceKept: number | null;
  /** How the features were made (prepro from images), else null. */
  recipe: FeatureRecipe | null;
  /** Images left out because they could not be read (skipBad). */
  badImages: string[];
}

/** Reads a row-id list: a JSON array (of strings or integers) or one id per line. */
export async function readIdList(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new FormatError(path, 'cannot read the feature id list');
  }
  if (text.trimStart().startsWith('[')) {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch (e) {
      throw new FormatError(path, `not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(arr) || arr.some((v) => typeof v !== 'string' && !Number.isSafeInteger(v))) throw new FormatError(path, 'expected a JSON array of image ids (strings or integers)');
    return arr.map(String);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.indexOf('');
  if (blank >= 0) throw new FormatError(path, `line ${blank + 1} is empty (one image id per line)`);
  return lines;
}

/** Total variance of the (N, D) features (Σ over columns of the column variance, divisor N − 1). */
function totalVariance(x: Tensor): number {
  const [N, D] = x.shape;
  const mean = new Float64Array(D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) mean[j] += x.data[i * D + j];
  for (let j = 0; j < D; j++) mean[j] /= N;
  let s = 0;
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) { const d = x.data[i * D + j] - mean[j]; s += d * d; }
  return s / (N - 1);
}

/**
 * Prepares a Karpathy-split dataset: parses `captionsPath`, builds the vocabulary and captions
 * (prepro_labels.py's rules, see karpathy.ts), reads the features of every kept image, and
 * optionally reduces them by PCA. Throws FormatError naming the file and record for bad input.
 */
export async function preproKarpathy(captionsPath: string, options: PreproOptions): Promise<Omit<PreparedData, 'info'> & { info: PreproInfo }> {
  if (typeof captionsPath !== 'string' || captionsPath === '') fail('captionsPath', 'a Karpathy-split JSON path', captionsPath);
  if (options === null || typeof options !== 'object') fail('options', 'an object', options);
  if (options.images !== undefined) {
    if (options.features !== undefined) fail('options.features', 'undefined with options.images (features come from the images)', options.features);
    const im = options.images;
    if (im === null || typeof im !== 'object' || typeof im.dir !== 'string' || im.dir === '') fail('options.images.dir', 'a folder path', im?.dir);
    if (!im.encoder || typeof (im.encoder as ImageEncoder).encode !== 'function') fail('options.images.encoder', 'an ImageEncoder (loadEncoder)', im.encoder);
  } else if (typeof options.features !== 'string' || options.features === '') fail('options.features', 'a features folder or file path', options.features);
  if (options.pca !== undefined && (!Number.isSafeInteger(options.pca) || options.pca < 1)) fail('options.pca', 'a positive integer', options.pca);
  let ds = parseKarpathy(await readFileNamed(captionsPath), captionsPath);
  let encoded: { rows: Map<string, number>; features: Tensor; recipe: FeatureRecipe['encoder']; bad: string[] } | null = null;
  if (options.images) {
    const im = options.images;
    const enc = { output: 'pooled' as const, resize: im.resize, crop: im.crop };
    const files = ds.images.map((m) => {
      if (!m.filename) throw new FormatError(captionsPath, `image ${m.id} has no "filename" to read it from ${im.dir}`);
      return { id: m.id, path: join(im.dir, m.filename) };
    });
    const r = await encodeImageFiles(files, im.encoder, {
      ...enc, batch: im.batch, dir: im.cacheDir, keep: true, skipBad: im.skipBad,
      onProgress: (d, t) => options.onProgress?.('images', d, t),
    });
    for (const b of r.bad) im.onBad?.(b.path, b.reason);
    const bad = new Set(files.filter((f) => r.bad.some((b) => b.path === f.path)).map((f) => f.id));
    if (bad.size) ds = { ...ds, images: ds.images.filter((m) => !bad.has(m.id)) };
    const want = options.dtype ?? 'float32';
    const f = r.features!;
    const features = f.dtype === want ? f : new Tensor(want === 'float64' ? Float64Array.from(f.data) : Float32Array.from(f.data), f.shape);
    encoded = { rows: new Map(r.ids.map((id, i) => [id, i])), features, recipe: im.encoder.recipe(enc), bad: r.bad.map((b) => b.path) };
  }
  const prepared = prepareCaptions(ds, options);
  const splits = [prepared.train, prepared.val, prepared.test];
  const images = splits.flatMap((s) => s.imageIds.map((id, i) => ({ id, filename: s.filenames[i] })));
  let all: Tensor;
  if (encoded) {
    const { rows, features: f } = encoded;
    const D = f.shape[1];
    const out = f.dtype === 'float64' ? new Float64Array(images.length * D) : new Float32Array(images.length * D);
    images.forEach((m, i) => out.set(f.data.subarray(rows.get(m.id)! * D, (rows.get(m.id)! + 1) * D), i * D));
    all = new Tensor(out, [images.length, D]);
  } else {
    const rowIds = options.featureIds !== undefined ? await readIdList(options.featureIds) : undefined;
    all = await readFeatures(options.features!, images, {
      rowIds, defaultRowIds: ds.images.map((m) => m.id), key: options.featureKey, dtype: options.dtype,
      onProgress: (d, t) => options.onProgress?.('features', d, t),
    });
  }
  const D0 = all.shape[1];
  if (options.pca !== undefined && options.pca > D0) fail('options.pca', `at most the features' width ${D0}`, options.pca);
  let start = 0;
  const part = (n: number): Tensor => {
    const t = new Tensor(all.data.slice(start * D0, (start + n) * D0), [n, D0]);
    start += n;
    return t;
  };
  let feats = { train: part(prepared.train.imageIds.length), val: part(prepared.val.imageIds.length), test: part(prepared.test.imageIds.length) };
  let pca = null;
  let kept: number | null = null;
  if (options.pca !== undefined) {
    const p = options.onProgress;
    pca = fitPca(feats.train, options.pca, (phase, d, t) => p?.(phase === 'covariance' ? 'pca-covariance' : 'pca-eigen', d, t));
    let sum = 0;
    for (const v of pca.variances.data) sum += v;
    kept = sum / totalVariance(feats.train);
    const proj = (x: Tensor) => applyPca(pca!, x, (_, d, t) => p?.('pca-project', d, t));
    feats = { train: proj(feats.train), val: proj(feats.val), test: proj(feats.test) };
  }
  const data: CaptionData = toCaptionData(prepared, feats);
  const count = (f: (s: typeof prepared.train) => number) => ({ train: f(prepared.train), val: f(prepared.val), test: f(prepared.test) });
  const info: PreproInfo = {
    ...prepared.stats, dataset: ds.dataset, captions: captionsPath, features: options.features ?? `images in ${options.images!.dir}`,
    images: count((s) => s.imageIds.length), captionsPerSplit: count((s) => s.captions.shape[0]), truncated: count((s) => s.truncated),
    featureDim: D0, pca: options.pca ?? null, pcaVarianceKept: kept,
    recipe: encoded && {
      encoder: encoded.recipe,
      pca: pca && { inputDim: D0, dim: options.pca!, hash: hashTensors([['mean', pca.mean], ['components', pca.components]]) },
    },
    badImages: encoded?.bad ?? [],
  };
  return { data, pca, info };
}
