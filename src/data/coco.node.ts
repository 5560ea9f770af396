// loadCocoData: reads the CS231n `coco_captioning` directory (assignment 3) as it ships, the
// equivalent of `cs231n/coco_utils.py: load_coco_data`. Node-only (node:fs and h5wasm/node).
//
// Memory: the full dataset with PCA features holds about 43 MB of captions and image indices
// plus 170 MB (train) + 83 MB (val) of float32 features, ~250 MB of feature data in all (about
// 300 MB with everything). With `pcaFeatures: false` the raw fc7 features are 4096-d: about
// 1.36 GB + 0.66 GB. Datasets are read in row blocks of a few MB, so the HDF5 reader's wasm heap
// stays small and each array exists once, in JavaScript.
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError, RecapError, describe } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { CaptionData } from './types.js';
import { drawTrainCaptions } from './captions.js';

export interface LoadCocoOptions {
  /**
   * Keep only this many training captions, drawn WITH replacement as CS231n's
   * `np.random.randint(num_train, size=max_train)` (so duplicates are possible). Only
   * `trainCaptions` and `trainImageIdxs` are subsampled; features and URLs stay full.
   */
  maxTrain?: number;
  /** Load the 512-d PCA features (default) or, with false, the raw 4096-d fc7 features. */
  pcaFeatures?: boolean;
  /**
   * Seed of the numpy-legacy RNG used for `maxTrain` (seed 231 draws what
   * `np.random.seed(231); load_coco_data(max_train=...)` draws).
   */
  seed?: number;
}

/** The file names of the CS231n `coco_captioning` directory. */
export const COCO_FILES = {
  captions: 'coco2014_captions.h5',
  vocab: 'coco2014_vocab.json',
  trainPca: 'train2014_vgg16_fc7_pca.h5',
  valPca: 'val2014_vgg16_fc7_pca.h5',
  trainRaw: 'train2014_vgg16_fc7.h5',
  valRaw: 'val2014_vgg16_fc7.h5',
  trainUrls: 'train2014_urls.txt',
  valUrls: 'val2014_urls.txt',
} as const;

const HOW_TO_GET =
  'get the data with the assignment\'s cs231n/datasets/get_coco_captioning.sh (it downloads ' +
  'http://cs231n.stanford.edu/coco_captioning.zip, about 1 GB, and unzips it into ' +
  'cs231n/datasets/coco_captioning/); the directory must contain coco2014_captions.h5, ' +
  'coco2014_vocab.json, train2014_vgg16_fc7_pca.h5 and val2014_vgg16_fc7_pca.h5 (plus ' +
  'train2014_vgg16_fc7.h5 and val2014_vgg16_fc7.h5 for pcaFeatures: false); ' +
  'train2014_urls.txt and val2014_urls.txt are optional';

// ---------------------------------------------------------------------------------------------
// h5wasm, loaded on first use (its wasm is a few MB; importing recap/node should not pay that).

type H5Api = typeof import('h5wasm/node').default;
type H5 = H5Api & { Module: Awaited<H5Api['ready']> };
type H5File = InstanceType<H5Api['File']>;
type H5Dataset = InstanceType<H5Api['Dataset']>;

let h5Promise: Promise<H5> | null = null;

/** The h5wasm/node API plus its ready emscripten Module (loaded once, on first use). */
export function loadH5wasm(): Promise<H5> {
  h5Promise ??= import('h5wasm/node').then(async (m) => {
    const Module = await m.default.ready;
    return { ...m.default, Module };
  });
  return h5Promise;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True if `path` carries the HDF5 superblock signature (at byte 0, 512, 1024, 2048, ...). */
async function hasHdf5Signature(path: string, size: number): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      const { bytesRead } = await fh.read(buf, 0, 8, off);
      if (bytesRead === 8 && HDF5_SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

/** The most telling line of an HDF5 error stack (the innermost "func(): message"). */
function hdf5Reason(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const inner = lines.filter((l) => /^#\d+:/.test(l)).pop();
  if (inner !== undefined) return inner.replace(/^#\d+:.*?\(\): /, '');
  return lines[0] ?? 'unknown error';
}

/**
 * Runs `fn` on an HDF5 file opened read-only, then closes it. Checks the HDF5 signature first
 * (FormatError "not an HDF5 file"). While the file is open, h5wasm's throwing error handler is
 * on, so HDF5 failures (a truncated or corrupt file) become FormatErrors naming the file instead
 * of HDF5-DIAG dumps on the console; everything in between is synchronous, so no other h5wasm
 * user can observe the switch.
 */
export async function withH5<R>(h5: H5, path: string, size: number, fn: (f: H5File) => R): Promise<R> {
  if (!(await hasHdf5Signature(path, size))) {
    throw new FormatError(path, `not an HDF5 file (no HDF5 signature; the file is ${size} bytes): the download may be incomplete or corrupt; ${HOW_TO_GET}`);
  }
  const mod = h5.Module;
  mod.activate_throwing_error_handler();
  let f: H5File | null = null;
  try {
    f = new h5.File(path, 'r');
    if (f.file_id < 0n) throw new FormatError(path, 'HDF5 could not open the file (corrupt or truncated?)');
    return fn(f);
  } catch (e) {
    if (e instanceof FormatError || e instanceof RecapError) throw e;
    throw new FormatError(path, `HDF5 could not read the file (corrupt or truncated?): ${hdf5Reason(e)}`);
  } finally {
    try {
      if (f !== null && f.file_id >= 0n) f.close();
    } catch {
      // closing a broken file may fail too; the first error is the one to report
    }
    mod.deactivate_throwing_error_handler();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading datasets

/** A short name of an HDF5 numeric type, e.g. int32, uint8, float64. */
function dtypeName(meta: H5Dataset['metadata']): string {
  const end = meta.littleEndian ? '' : ' (big-endian)';
  if (meta.type === 0) return `${meta.signed ? 'int' : 'uint'}${meta.size * 8}${end}`;
  if (meta.type === 1) return `float${meta.size * 8}${end}`;
  const classes = ['integer', 'float', 'time', 'string', 'bitfield', 'opaque', 'compound', 'reference', 'enum', 'vlen', 'array'];
  return classes[meta.type] ?? `HDF5 type class ${meta.type}`;
}

function getDataset(f: H5File, path: string, name: string, expected: string): H5Dataset {
  const keys = f.keys();
  if (!keys.includes(name)) {
    throw new FormatError(path, `missing dataset '${name}' (expected ${expected}); the file holds [${keys.join(', ')}]`);
  }
  const ds = f.get(name);
  if (ds === null || (ds as { type?: string }).type !== 'Dataset') {
    throw new FormatError(path, `'${name}' is not a dataset (expected ${expected})`);
  }
  return ds as H5Dataset;
}

function shapeStr(shape: readonly number[] | null): string {
  return shape === null ? 'a scalar/empty dataspace' : `shape (${shape.join(', ')})`;
}

/** Checks the rank (and sizes given as numbers) of a dataset. */
function checkShape(path: string, name: string, meta: H5Dataset['metadata'], want: readonly (number | string)[]): number[] {
  const shape = meta.shape;
  const wantStr = `shape (${want.join(', ')})`;
  if (shape === null || shape.length !== want.length || want.some((w, i) => typeof w === 'number' && shape[i] !== w)) {
    throw new FormatError(path, `dataset '${name}': expected ${wantStr}, got ${shapeStr(shape)}`);
  }
  return shape;
}

/** Rows per read block so that a block is about 8 MB. */
function blockRows(rowBytes: number): number {
  return Math.max(1, Math.floor((8 << 20) / Math.max(1, rowBytes)));
}

/** Reads a numeric dataset block by block, handing each block (typed array, first element index) to `sink`. */
function readBlocks(ds: H5Dataset, shape: number[], sink: (block: ArrayLike<number | bigint>, at: number) => void): void {
  const rows = shape[0];
  const rowLen = shape.slice(1).reduce((a, b) => a * b, 1);
  if (rows === 0 || rowLen === 0) return;
  const step = blockRows(rowLen * ds.metadata.size);
  for (let r = 0; r < rows; r += step) {
    const end = Math.min(rows, r + step);
    const block = ds.slice([[r, end]]) as unknown as ArrayLike<number | bigint>;
    sink(block, r * rowLen);
  }
}

/** Reads an integer dataset into an Int32Array (int64 etc. converted with a range check). */
function readInt32(f: H5File, path: string, name: string, want: readonly (number | string)[]): Tensor {
  const ds = getDataset(f, path, name, `int32 ${`(${want.join(', ')})`}`);
  const meta = ds.metadata;
  if (meta.type !== 0 || !meta.littleEndian || meta.vlen) {
    throw new FormatError(path, `dataset '${name}': expected an integer dtype (int32 as shipped), got ${dtypeName(meta)}`);
  }
  const shape = checkShape(path, name, meta, want);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  readBlocks(ds, shape, (block, at) => {
    if (block instanceof Int32Array) {
      out.set(block, at);
      return;
    }
    for (let i = 0; i < block.length; i++) {
      const v = Number(block[i]);
      if (v < -2147483648 || v > 2147483647) {
        throw new FormatError(path, `dataset '${name}' (${dtypeName(meta)}): element ${at + i} = ${String(block[i])} does not fit in int32`);
      }
      out[at + i] = v;
    }
  });
  return new Tensor(out, shape);
}

/** Reads a float32 or float64 dataset into a Float32Array. */
function readFloat32(f: H5File, path: string, name: string, want: readonly (number | string)[]): Tensor {
  const ds = getDataset(f, path, name, `float32 (${want.join(', ')})`);
  const meta = ds.metadata;
  if (meta.type !== 1 || (meta.size !== 4 && meta.size !== 8) || !meta.littleEndian) {
    throw new FormatError(path, `dataset '${name}': expected float32 (or float64), got ${dtypeName(meta)}`);
  }
  const shape = checkShape(path, name, meta, want);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  readBlocks(ds, shape, (block, at) => out.set(block as Float32Array | Float64Array, at));
  return new Tensor(out, shape);
}

// ---------------------------------------------------------------------------------------------
// Checks

function checkRange(path: string, name: string, data: Int32Array, hi: number, what: string): void {
  let min = 0;
  let max = 0;
  if (data.length > 0) {
    min = data[0];
    max = data[0];
    for (let i = 1; i < data.length; i++) {
      const v = data[i];
      if (v < min) min = v;
      else if (v > max) max = v;
    }
  }
  if (data.length > 0 && (min < 0 || max >= hi)) {
    const bad = min < 0 ? min : max;
    const at = data.indexOf(bad);
    throw new FormatError(path, `dataset '${name}': values must lie in [0, ${hi}) (${what}), got ${bad} at element ${at} (min ${min}, max ${max})`);
  }
}

function parseVocab(path: string, text: string): { idxToWord: string[]; wordToIdx: Record<string, number> } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(path, `not valid JSON (${(e as Error).message})`);
  }
  const obj = json as { idx_to_word?: unknown; word_to_idx?: unknown };
  if (json === null || typeof json !== 'object' || !Array.isArray(obj.idx_to_word) ||
      obj.word_to_idx === null || typeof obj.word_to_idx !== 'object' || Array.isArray(obj.word_to_idx)) {
    throw new FormatError(path, 'expected {"idx_to_word": [words], "word_to_idx": {word: index}}');
  }
  const idxToWord = obj.idx_to_word as unknown[];
  const w2i = obj.word_to_idx as Record<string, unknown>;
  idxToWord.forEach((w, i) => {
    if (typeof w !== 'string') throw new FormatError(path, `idx_to_word[${i}]: expected a string, got ${describe(w)}`);
    if (w2i[w] !== i) throw new FormatError(path, `word_to_idx[${JSON.stringify(w)}] must be ${i} (its position in idx_to_word), got ${describe(w2i[w])}`);
  });
  const nKeys = Object.keys(w2i).length;
  if (nKeys !== idxToWord.length) {
    throw new FormatError(path, `word_to_idx has ${nKeys} words but idx_to_word has ${idxToWord.length}`);
  }
  if (idxToWord.length === 0) throw new FormatError(path, 'the vocabulary is empty');
  // Every key maps to its own position, so w2i holds exactly the vocabulary.
  return { idxToWord: idxToWord as string[], wordToIdx: w2i as Record<string, number> };
}

async function readUrls(path: string, expectedCount: number): Promise<string[]> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const urls = lines.map((l) => l.trim()); // numpy: line.strip()
  if (urls.length !== expectedCount) {
    throw new FormatError(path, `expected one URL per feature row (${expectedCount} lines), got ${urls.length}`);
  }
  return urls;
}

// ---------------------------------------------------------------------------------------------

async function fileSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

function validateOptions(options: unknown): { maxTrain: number | undefined; pcaFeatures: boolean; seed: number } {
  if (options === null || typeof options !== 'object') throw new RecapError('options', 'an object', describe(options));
  const o = options as LoadCocoOptions & { maxTrain?: number | null };
  const maxTrain = o.maxTrain ?? undefined;
  if (maxTrain !== undefined && (typeof maxTrain !== 'number' || !Number.isInteger(maxTrain) || maxTrain < 1)) {
    throw new RecapError('maxTrain', 'a positive integer (or undefined for all captions)', describe(maxTrain));
  }
  const pcaFeatures = o.pcaFeatures ?? true;
  if (typeof pcaFeatures !== 'boolean') throw new RecapError('pcaFeatures', 'a boolean', describe(pcaFeatures));
  const seed = o.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RecapError('seed', 'an integer in [0, 2^32)', describe(seed));
  }
  return { maxTrain, pcaFeatures, seed };
}

/**
 * Loads the CS231n COCO captioning data from `baseDir` (the unzipped `coco_captioning`
 * directory), like `load_coco_data(base_dir, max_train, pca_features)`.
 *
 * Reads `coco2014_captions.h5` (`train_captions` (Nc, 17), `train_image_idxs` (Nc),
 * `val_captions`, `val_image_idxs`), the features (`features` (Ni, 512) of
 * `train2014_vgg16_fc7_pca.h5` / `val2014_vgg16_fc7_pca.h5`, or (Ni, 4096) of
 * `train2014_vgg16_fc7.h5` / `val2014_vgg16_fc7.h5` with `pcaFeatures: false`),
 * `coco2014_vocab.json`, and `train2014_urls.txt` / `val2014_urls.txt` when present (the URLs
 * are left undefined otherwise). Captions and image indices become int32 tensors (int64 etc.
 * on disk are converted with a range check), features float32 tensors (float32 or float64 on
 * disk). Checks shapes, dtypes, caption ids in [0, V) and image indices in [0, Ni).
 *
 * Memory: the full data with PCA features takes about 300 MB (~250 MB of it features); with
 * `pcaFeatures: false` about 2 GB. Throws FormatError (naming the file) for a missing or bad
 * file, RecapError for bad options.
 */
export async function loadCocoData(baseDir: string, options: LoadCocoOptions = {}): Promise<CaptionData> {
  if (typeof baseDir !== 'string' || baseDir === '') throw new RecapError('baseDir', 'a directory path', describe(baseDir));
  const { maxTrain, pcaFeatures, seed } = validateOptions(options);

  let dirOk = false;
  try {
    dirOk = (await stat(baseDir)).isDirectory();
  } catch {
    dirOk = false;
  }
  if (!dirOk) throw new FormatError(baseDir, `the coco_captioning directory does not exist (or is not a directory); ${HOW_TO_GET}`);

  const p = (name: string): string => join(baseDir, name);
  const required = [COCO_FILES.captions, COCO_FILES.vocab,
    ...(pcaFeatures ? [COCO_FILES.trainPca, COCO_FILES.valPca] : [COCO_FILES.trainRaw, COCO_FILES.valRaw])];
  const sizes = new Map<string, number>();
  const missing: string[] = [];
  for (const name of required) {
    const size = await fileSize(p(name));
    if (size === null) missing.push(name);
    else sizes.set(name, size);
  }
  if (missing.length > 0) {
    const list = missing.join(', ');
    throw new FormatError(p(missing[0]), `missing ${missing.length === 1 ? 'file' : 'files'} ${list} in ${baseDir}; ${HOW_TO_GET}`);
  }

  const vocabPath = p(COCO_FILES.vocab);
  const { idxToWord, wordToIdx } = parseVocab(vocabPath, await readFile(vocabPath, 'utf8'));
  const V = idxToWord.length;

  const h5 = await loadH5wasm();

  // Captions and image indices.
  const capPath = p(COCO_FILES.captions);
  let trainCaptions: Tensor, trainImageIdxs: Tensor, valCaptions: Tensor, valImageIdxs: Tensor;
  [trainCaptions, trainImageIdxs, valCaptions, valImageIdxs] = await withH5(h5, capPath, sizes.get(COCO_FILES.captions)!, (f) => {
    const tc = readInt32(f, capPath, 'train_captions', ['Nc', 'T']);
    const [nTrain, T] = tc.shape;
    if (T < 2) throw new FormatError(capPath, `dataset 'train_captions': expected shape (Nc, T) with T >= 2 (17 as shipped), got shape (${tc.shape.join(', ')})`);
    const ti = readInt32(f, capPath, 'train_image_idxs', [nTrain]);
    const vc = readInt32(f, capPath, 'val_captions', ['Nc', T]);
    const vi = readInt32(f, capPath, 'val_image_idxs', [vc.shape[0]]);
    return [tc, ti, vc, vi];
  });
  checkRange(capPath, 'train_captions', trainCaptions.data as Int32Array, V, `word ids of the ${V}-word vocabulary in ${COCO_FILES.vocab}`);
  checkRange(capPath, 'val_captions', valCaptions.data as Int32Array, V, `word ids of the ${V}-word vocabulary in ${COCO_FILES.vocab}`);

  // Features.
  const featName = (split: 'train' | 'val'): string =>
    pcaFeatures ? (split === 'train' ? COCO_FILES.trainPca : COCO_FILES.valPca) : (split === 'train' ? COCO_FILES.trainRaw : COCO_FILES.valRaw);
  const readFeatures = async (split: 'train' | 'val', D: number | string): Promise<Tensor> => {
    const name = featName(split);
    return withH5(h5, p(name), sizes.get(name)!, (f) => readFloat32(f, p(name), 'features', ['Ni', D]));
  };
  const trainFeatures = await readFeatures('train', 'D');
  const valFeatures = await readFeatures('val', trainFeatures.shape[1]);

  const nTrainImages = trainFeatures.shape[0];
  const nValImages = valFeatures.shape[0];
  checkRange(capPath, 'train_image_idxs', trainImageIdxs.data as Int32Array, nTrainImages, `rows of features in ${featName('train')}`);
  checkRange(capPath, 'val_image_idxs', valImageIdxs.data as Int32Array, nValImages, `rows of features in ${featName('val')}`);

  // URLs (optional, one per feature row).
  const trainUrlPath = p(COCO_FILES.trainUrls);
  const valUrlPath = p(COCO_FILES.valUrls);
  const trainUrls = (await fileSize(trainUrlPath)) !== null ? await readUrls(trainUrlPath, nTrainImages) : undefined;
  const valUrls = (await fileSize(valUrlPath)) !== null ? await readUrls(valUrlPath, nValImages) : undefined;

  const data: CaptionData = {
    trainCaptions, trainImageIdxs, trainFeatures,
    valCaptions, valImageIdxs, valFeatures,
    idxToWord, wordToIdx,
  };
  if (trainUrls !== undefined) data.trainUrls = trainUrls;
  if (valUrls !== undefined) data.valUrls = valUrls;
  return maxTrain === undefined ? data : drawTrainCaptions(data, maxTrain, seed);
}
