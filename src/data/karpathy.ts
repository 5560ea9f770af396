// Karpathy-split caption datasets (`dataset_coco.json`, `dataset_flickr8k.json`,
// `dataset_flickr30k.json`): parsing, tokenisation, the vocabulary and the encoded captions, with
// the rules of neuraltalk2 / ImageCaptioning.pytorch `scripts/prepro_labels.py`:
//   - tokens: a sentence's `tokens` when present, else its `raw` text lowercased, with Python's
//     `string.punctuation` deleted, split on whitespace (neuraltalk2's prepro.py);
//   - vocabulary: a word is kept when it occurs MORE than `wordCountThreshold` times (default 5)
//     in the training captions (train, plus restval unless it is left out); every other word
//     becomes <UNK>. Counts are over the full, untruncated captions (as prepro_labels.py);
//   - captions longer than `maxLength` words (default 16) are truncated to their first
//     `maxLength` words (counted and reported).
// Differences from prepro_labels.py, on purpose: the counts come from the training split only
// (prepro_labels.py counts every split, which leaks val/test words into the vocabulary); the ids
// follow CS231n's layout (coco2014_vocab.json): <NULL>=0, <START>=1, <END>=2, <UNK>=3 (always
// present), then the kept words by decreasing count, ties in order of first appearance; and a
// caption row is [<START>, words…, <END>, <NULL>…] of maxLength + 2 ids (CS231n's (N, T+1) layout).
//
// Browser-safe: works on the JSON text or bytes; reading files is the caller's (or recap/node's).
import { FormatError, RecapError, describe, fail } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { CaptionData } from './types.js';

/** The split names of a Karpathy JSON. */
export type KarpathySplit = 'train' | 'val' | 'test' | 'restval';
const SPLITS: readonly KarpathySplit[] = ['train', 'val', 'test', 'restval'];

/** CS231n's special tokens, ids 0..3. */
export const SPECIAL_TOKENS = ['<NULL>', '<START>', '<END>', '<UNK>'] as const;

/** One image of a Karpathy JSON. */
export interface KarpathyImage {
  /** `cocoid` when present, else `imgid` (else `id`), as a string: the name of its feature file `{id}.npy`. */
  id: string;
  /** `filename` (with `filepath/` in front when the record has one), or '' when absent. */
  filename: string;
  split: KarpathySplit;
  /** The tokens of each sentence (at least one sentence, each at least one token). */
  sentences: string[][];
  /** Position in the JSON's `images[]` (for messages). */
  record: number;
}

/** A parsed Karpathy-split JSON. */
export interface KarpathyDataset {
  /** The file name used in error messages. */
  file: string;
  /** The JSON's `dataset` field ('coco', 'flickr8k', 'flickr30k'), if any. */
  dataset: string | null;
  images: KarpathyImage[];
}

/** Python's `string.punctuation`. */
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/**
 * A raw sentence → tokens, as neuraltalk2's prepro.py (`s.lower().translate(None,
 * string.punctuation).strip().split()`): lowercase, delete ASCII punctuation (so "don't" becomes
 * "dont"), split on whitespace.
 */
export function tokenize(raw: string): string[] {
  if (typeof raw !== 'string') fail('raw', 'a string', raw);
  return raw.toLowerCase().replace(PUNCTUATION, '').split(/\s+/).filter((w) => w !== '');
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** "images[12] (id 345, "x.jpg")" for messages. */
function recordName(i: number, id?: string, filename?: string): string {
  const parts = [id !== undefined ? `id ${id}` : '', filename ? JSON.stringify(filename) : ''].filter((p) => p !== '');
  return `images[${i}]${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * Parses a Karpathy-split JSON (text or UTF-8 bytes). `file` names the source in errors.
 * Checks every record: `split` one of train/val/test/restval, an id (`cocoid`, `imgid` or `id`, an
 * integer or a string) unique over the file, at least one sentence, each with `tokens` (strings)
 * or `raw` text giving at least one token, and no token spelled like a special token. Throws
 * FormatError naming the file and the first bad record.
 */
export function parseKarpathy(json: string | Uint8Array, file = 'dataset.json'): KarpathyDataset {
  if (typeof file !== 'string') fail('file', 'a string', file);
  let text: string;
  if (typeof json === 'string') text = json;
  else if (json instanceof Uint8Array) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(json);
    } catch {
      throw new FormatError(file, 'not UTF-8 text (a Karpathy-split JSON is UTF-8)');
    }
  } else return fail('json', 'a string or Uint8Array', typeof json);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(root) || !Array.isArray(root.images)) {
    throw new FormatError(file, 'expected a Karpathy-split JSON: {"images": [{"split", "filename", "sentences": [{"tokens", "raw"}], "imgid"/"cocoid"}], ...}');
  }
  const dataset = typeof root.dataset === 'string' ? root.dataset : null;
  const seen = new Map<string, number>();
  const images: KarpathyImage[] = [];
  const recs = root.images as unknown[];
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    if (!isObj(r)) throw new FormatError(file, `${recordName(i)}: expected an object, got ${Array.isArray(r) ? 'an array' : describe(r)}`);
    const rawId = r.cocoid ?? r.imgid ?? r.id;
    const filename = typeof r.filename === 'string' ? (typeof r.filepath === 'string' && r.filepath !== '' ? `${r.filepath}/${r.filename}` : r.filename) : '';
    if (!((typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId >= 0) || (typeof rawId === 'string' && rawId !== ''))) {
      throw new FormatError(file, `${recordName(i, undefined, filename)}: expected an image id ("cocoid", "imgid" or "id": a non-negative integer or a string), got ${rawId === undefined ? 'none' : describe(rawId)}`);
    }
    const id = String(rawId);
    const name = recordName(i, id, filename);
    const dup = seen.get(id);
    if (dup !== undefined) throw new FormatError(file, `${name}: duplicate image id ${id} (also images[${dup}])`);
    seen.set(id, i);
    if (typeof r.split !== 'string' || !SPLITS.includes(r.split as KarpathySplit)) {
      throw new FormatError(file, `${name}: "split" must be one of ${SPLITS.join(', ')}, got ${r.split === undefined ? 'none' : describe(r.split)}`);
    }
    if (!Array.isArray(r.sentences) || r.sentences.length === 0) {
      throw new FormatError(file, `${name}: expected "sentences" with at least one sentence, got ${Array.isArray(r.sentences) ? 'none' : describe(r.sentences)}`);
    }
    const sentences: string[][] = [];
    r.sentences.forEach((s: unknown, j: number) => {
      const where = `${name} sentences[${j}]`;
      if (!isObj(s)) throw new FormatError(file, `${where}: expected an object with "tokens" or "raw", got ${describe(s)}`);
      let tokens: string[];
      if (Array.isArray(s.tokens)) {
        const bad = s.tokens.findIndex((t) => typeof t !== 'string' || t === '' || /\s/.test(t));
        if (bad >= 0) throw new FormatError(file, `${where}: tokens[${bad}] must be a non-empty string without spaces, got ${describe(s.tokens[bad])}`);
        tokens = s.tokens as string[];
      } else if (typeof s.raw === 'string') tokens = tokenize(s.raw);
      else throw new FormatError(file, `${where}: expected "tokens" (an array of strings) or "raw" (a string)`);
      if (tokens.length === 0) throw new FormatError(file, `${where}: the caption has no words (prepro_labels.py refuses these too)`);
      const special = tokens.find((t) => (SPECIAL_TOKENS as readonly string[]).includes(t));
      if (special !== undefined) throw new FormatError(file, `${where}: the token ${special} is reserved for recap's special tokens`);
      sentences.push(tokens);
    });
    images.push({ id, filename, split: r.split as KarpathySplit, sentences, record: i });
  }
  if (images.length === 0) throw new FormatError(file, 'the dataset has no images ("images" is empty)');
  return { file, dataset, images };
}

/** Options of `prepareCaptions` (the flags of prepro_labels.py, plus restval). */
export interface PrepareOptions {
  /** A word is kept when it occurs more than this many times in the training captions (default 5). */
  wordCountThreshold?: number;
  /** Longest caption in words (default 16); longer ones keep their first maxLength words. */
  maxLength?: number;
  /** Put the `restval` images into train (default true, as ImageCaptioning.pytorch); false leaves them out. */
  restvalInTrain?: boolean;
}

/** One split's encoded captions. */
export interface SplitCaptions {
  /** int32 (Nc, maxLength + 2): <START> w1 … <END> <NULL>…, images in JSON order, their sentences in order. */
  captions: Tensor;
  /** int32 (Nc): the row of the split's images (and features) each caption belongs to. */
  imageIdxs: Tensor;
  /** (Ni) the image ids (`cocoid`/`imgid`) in row order. */
  imageIds: string[];
  /** (Ni) the image file names in row order. */
  filenames: string[];
  /** Captions longer than maxLength words, truncated. */
  truncated: number;
}

/** What prepro reports. */
export interface PrepareStats {
  wordCountThreshold: number;
  maxLength: number;
  restvalInTrain: boolean;
  /** restval images put into train (0 when left out or absent). */
  restvalImages: number;
  /** Distinct words in the training captions, and those kept (the vocabulary minus the 4 special tokens). */
  distinctWords: number;
  keptWords: number;
  /** Tokens in the training captions, and those that became <UNK>. */
  trainTokens: number;
  unkTokens: number;
}

/** The vocabulary and the encoded captions of every split. */
export interface PreparedCaptions {
  idxToWord: string[];
  wordToIdx: Record<string, number>;
  train: SplitCaptions;
  val: SplitCaptions;
  /** Empty (0 rows) when the dataset has no test split. */
  test: SplitCaptions;
  stats: PrepareStats;
}

function checkOptions(options: PrepareOptions): Required<PrepareOptions> {
  if (!isObj(options as unknown)) fail('options', 'an object', options);
  const wordCountThreshold: number = options.wordCountThreshold ?? 5;
  if (!Number.isSafeInteger(wordCountThreshold) || wordCountThreshold < 0) fail('wordCountThreshold', 'a non-negative integer', wordCountThreshold);
  const maxLength: number = options.maxLength ?? 16;
  if (!Number.isSafeInteger(maxLength) || maxLength < 1 || maxLength > 10000) fail('maxLength', 'an integer in [1, 10000]', maxLength);
  const restvalInTrain: boolean = options.restvalInTrain ?? true;
  if (typeof restvalInTrain !== 'boolean') fail('restvalInTrain', 'a boolean', restvalInTrain);
  return { wordCountThreshold, maxLength, restvalInTrain };
}

/** The training split's word counts, in order of first appearance. */
function countWords(train: readonly KarpathyImage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const img of train) for (const s of img.sentences) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

function encodeSplit(images: readonly KarpathyImage[], wordToIdx: Record<string, number>, maxLength: number): SplitCaptions {
  const L = maxLength + 2;
  let nc = 0;
  for (const img of images) nc += img.sentences.length;
  const caps = new Int32Array(nc * L); // <NULL> = 0 pads
  const idxs = new Int32Array(nc);
  const unk = wordToIdx['<UNK>'];
  let row = 0;
  let truncated = 0;
  images.forEach((img, i) => {
    for (const s of img.sentences) {
      const o = row * L;
      caps[o] = wordToIdx['<START>'];
      const n = Math.min(s.length, maxLength);
      if (s.length > maxLength) truncated++;
      for (let k = 0; k < n; k++) caps[o + 1 + k] = Object.hasOwn(wordToIdx, s[k]) ? wordToIdx[s[k]] : unk;
      caps[o + 1 + n] = wordToIdx['<END>'];
      idxs[row++] = i;
    }
  });
  return {
    captions: new Tensor(caps, [nc, L]), imageIdxs: new Tensor(idxs, [nc]),
    imageIds: images.map((m) => m.id), filenames: images.map((m) => m.filename), truncated,
  };
}

/**
 * Builds the vocabulary from the training captions and encodes every split (see the top of this
 * file for the rules). Throws FormatError (naming the dataset's file) when train or val has no
 * images, or when the threshold keeps no word; RecapError for bad options.
 */
export function prepareCaptions(ds: KarpathyDataset, options: PrepareOptions = {}): PreparedCaptions {
  if (!isObj(ds) || !Array.isArray(ds.images)) fail('ds', 'a KarpathyDataset (from parseKarpathy)', ds);
  const { wordCountThreshold, maxLength, restvalInTrain } = checkOptions(options);
  const bySplit = (s: KarpathySplit) => ds.images.filter((m) => m.split === s);
  const restval = bySplit('restval');
  const train = restvalInTrain ? ds.images.filter((m) => m.split === 'train' || m.split === 'restval') : bySplit('train');
  const val = bySplit('val');
  const test = bySplit('test');
  const splitCounts = SPLITS.map((s) => `${s} ${bySplit(s).length}`).join(', ');
  if (train.length === 0) throw new FormatError(ds.file, `the train split is empty (images per split: ${splitCounts}${restvalInTrain ? '' : '; restval is left out'})`);
  if (val.length === 0) throw new FormatError(ds.file, `the val split is empty (images per split: ${splitCounts})`);

  const counts = countWords(train);
  let trainTokens = 0;
  let unkTokens = 0;
  const kept: Array<[string, number]> = [];
  for (const [w, n] of counts) {
    trainTokens += n;
    if (n > wordCountThreshold) kept.push([w, n]);
    else unkTokens += n;
  }
  if (kept.length === 0) {
    const top = Math.max(...counts.values());
    throw new FormatError(ds.file, `word-count threshold ${wordCountThreshold} keeps no word (a word is kept when it occurs more than ${wordCountThreshold} times in the training captions; the most frequent of the ${counts.size} training words occurs ${top} times)`);
  }
  kept.sort((a, b) => b[1] - a[1]); // stable: ties keep their order of first appearance
  const idxToWord = [...SPECIAL_TOKENS, ...kept.map(([w]) => w)];
  const wordToIdx: Record<string, number> = Object.create(null);
  idxToWord.forEach((w, i) => { wordToIdx[w] = i; });
  const plainWordToIdx: Record<string, number> = { ...wordToIdx };

  return {
    idxToWord, wordToIdx: plainWordToIdx,
    train: encodeSplit(train, wordToIdx, maxLength),
    val: encodeSplit(val, wordToIdx, maxLength),
    test: encodeSplit(test, wordToIdx, maxLength),
    stats: {
      wordCountThreshold, maxLength, restvalInTrain, restvalImages: restvalInTrain ? restval.length : 0,
      distinctWords: counts.size, keptWords: kept.length, trainTokens, unkTokens,
    },
  };
}

/** Per-split features, rows in the order of the split's `imageIds`. */
export interface SplitFeatures {
  train: Tensor;
  val: Tensor;
  /** Required when the test split has images. */
  test?: Tensor;
}

/**
 * The prepared captions and their features as a `CaptionData` (with the test split and the
 * image ids). Checks each split's feature rows against its images and that every split has the
 * same width D and dtype.
 */
export function toCaptionData(prepared: PreparedCaptions, features: SplitFeatures): CaptionData {
  if (!isObj(prepared) || !isObj(prepared.train)) fail('prepared', 'PreparedCaptions (from prepareCaptions)', prepared);
  if (!isObj(features)) fail('features', 'an object { train, val, test? } of (Ni, D) tensors', features);
  const D = features.train instanceof Tensor && features.train.shape.length === 2 ? features.train.shape[1] : -1;
  const check = (split: 'train' | 'val' | 'test', t: Tensor | undefined): void => {
    const ni = prepared[split].imageIds.length;
    const name = `features.${split}`;
    if (!(t instanceof Tensor)) fail(name, `a (${ni}, D) tensor`, t === undefined ? 'undefined' : typeof t);
    if (t.dtype !== 'float32' && t.dtype !== 'float64') fail(name, 'dtype float32 or float64', t.dtype);
    if (t.dtype !== features.train.dtype) fail(name, `dtype ${features.train.dtype} (as features.train)`, t.dtype);
    if (t.shape.length !== 2 || t.shape[0] !== ni || t.shape[1] !== D || D < 1) {
      throw new RecapError(name, `shape (${ni}, ${D < 1 ? 'D' : D}) (one row per ${split} image${D < 1 ? '' : ', D from features.train'})`, `[${t.shape.join(', ')}]`);
    }
  };
  check('train', features.train);
  check('val', features.val);
  const hasTest = prepared.test.imageIds.length > 0;
  if (hasTest) check('test', features.test);
  const data: CaptionData = {
    trainCaptions: prepared.train.captions, trainImageIdxs: prepared.train.imageIdxs, trainFeatures: features.train,
    valCaptions: prepared.val.captions, valImageIdxs: prepared.val.imageIdxs, valFeatures: features.val,
    idxToWord: prepared.idxToWord, wordToIdx: prepared.wordToIdx,
    trainImageIds: prepared.train.imageIds, valImageIds: prepared.val.imageIds,
  };
  if (hasTest) {
    data.testCaptions = prepared.test.captions;
    data.testImageIdxs = prepared.test.imageIdxs;
    data.testFeatures = features.test;
    data.testImageIds = prepared.test.imageIds;
  }
  return data;
}
