// A CaptioningRNN's parameters and vocabulary as plain arrays, for numpy, the CS231n notebook
// and PyTorch; and a model made from such arrays. Browser-safe.
//
// Parameters: the CS231n names and shapes of classifiers/rnn.py, in the model's dtype
//   W_proj (D,H)  b_proj (H)  W_embed (V,W)  Wx (W,G)  Wh (H,G)  b (G)  W_vocab (H,V)  b_vocab (V)
// with G = H (rnn) or 4H (lstm, gates [i|f|o|g] along G).
// Vocabulary: CS231n's coco2014_vocab.json form, { "idx_to_word": [...], "word_to_idx": {...} }:
// a sidecar file beside an .npz (`params.vocab.json`), and in a safetensors file's __metadata__
// as "idx_to_word" (a JSON array; null where an id has no word) with "cell_type" and "format".
import { FormatError, fail } from '../core/errors.js';
import type { FloatDType, Tensor } from '../core/tensor.js';
import { CaptioningRNN, PARAM_NAMES, type CellType, type ParamName } from '../model/captioning-rnn.js';
import { writeNpz } from './npz.js';
import { writeSafetensors } from './safetensors.js';

/** The `format` value recap writes in a safetensors file's metadata. */
export const PARAMS_FORMAT = 'recap-captioning-rnn';

/** A vocabulary as CS231n's coco2014_vocab.json holds it. */
export interface VocabularyJson { idx_to_word: Array<string | null>; word_to_idx: Record<string, number> }

/** The model's vocabulary in CS231n's coco2014_vocab.json form (ids without a word are null). */
export function vocabularyJson(model: CaptioningRNN): VocabularyJson {
  checkModel(model);
  const idxToWord: Array<string | null> = [];
  for (const [w, i] of Object.entries(model.wordToIdx)) idxToWord[i] = w;
  return { idx_to_word: Array.from(idxToWord, (w) => w ?? null), word_to_idx: { ...model.wordToIdx } };
}

/**
 * The model as an .npz archive of its 8 parameters (np.load gives `W_proj` ... `b_vocab`) and
 * the vocabulary JSON to save beside it. `compress` deflates (as np.savez_compressed).
 */
export function modelToNpz(model: CaptioningRNN, options: { compress?: boolean } = {}): { npz: Uint8Array; vocab: string } {
  checkModel(model);
  return { npz: writeNpz(model.getParams(), options), vocab: `${JSON.stringify(vocabularyJson(model))}\n` };
}

/** The model as a safetensors file: the 8 parameters, and the vocabulary and cell type in the metadata. */
export function modelToSafetensors(model: CaptioningRNN): Uint8Array {
  checkModel(model);
  return writeSafetensors(model.getParams(), {
    format: PARAMS_FORMAT,
    cell_type: model.config.cellType,
    idx_to_word: JSON.stringify(vocabularyJson(model).idx_to_word),
  });
}

/**
 * Reads a vocabulary: CS231n's `{ "idx_to_word": [...], "word_to_idx": {...} }` (either key, or
 * both when they agree), or a plain array of words by id. Returns word_to_idx.
 */
export function parseVocabulary(vocab: unknown, name = 'vocabulary'): Record<string, number> {
  let json = vocab;
  if (typeof vocab === 'string') {
    try {
      json = JSON.parse(vocab);
    } catch (e) {
      throw new FormatError(name, `not valid JSON (${(e as Error).message})`);
    }
  }
  const obj = json as { idx_to_word?: unknown; word_to_idx?: unknown };
  const list = Array.isArray(json) ? json : obj && typeof obj === 'object' ? obj.idx_to_word : undefined;
  const map = !Array.isArray(json) && obj && typeof obj === 'object' ? obj.word_to_idx : undefined;
  if (list === undefined && map === undefined) {
    throw new FormatError(name, 'expected {"idx_to_word": [...]} and/or {"word_to_idx": {...}} (CS231n coco2014_vocab.json), or an array of words');
  }
  let fromList: Record<string, number> | null = null;
  if (list !== undefined) {
    if (!Array.isArray(list)) throw new FormatError(name, 'idx_to_word is not an array');
    fromList = {};
    list.forEach((w, i) => {
      if (w === null) return;
      if (typeof w !== 'string') throw new FormatError(name, `idx_to_word[${i}] is not a string`);
      if (Object.hasOwn(fromList!, w)) throw new FormatError(name, `word ${JSON.stringify(w)} appears twice in idx_to_word (ids ${fromList![w]} and ${i})`);
      Object.defineProperty(fromList, w, { value: i, enumerable: true, writable: true, configurable: true });
    });
  }
  if (map === undefined) return fromList!;
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw new FormatError(name, 'word_to_idx is not an object');
  const fromMap: Record<string, number> = {};
  for (const [w, i] of Object.entries(map)) {
    if (!Number.isSafeInteger(i) || (i as number) < 0) throw new FormatError(name, `word_to_idx[${JSON.stringify(w)}] is not a non-negative integer`);
    Object.defineProperty(fromMap, w, { value: i, enumerable: true, writable: true, configurable: true });
  }
  if (fromList) {
    const a = Object.keys(fromList);
    const b = Object.keys(fromMap);
    const differs = a.length !== b.length || a.some((w) => fromMap[w] !== fromList![w]);
    if (differs) throw new FormatError(name, 'idx_to_word and word_to_idx disagree');
  }
  return fromMap;
}

/** Options of modelFromParams. */
export interface ModelFromParamsOptions {
  /** The vocabulary (word → id); its size must be W_embed's row count. */
  wordToIdx: Record<string, number>;
  /** 'rnn' or 'lstm'; by default read from Wh's shape ((H,H) or (H,4H)) and checked against it when given. */
  cellType?: CellType;
  /** The model's dtype; by default the parameters' (float32 arrays become a float32 model). */
  dtype?: FloatDType;
  /** Names the source in errors (a file name). */
  name?: string;
}

/**
 * A CaptioningRNN holding the given CS231n parameters (as np.load / readNpz / readSafetensors
 * give them). Checks every name, shape and dtype first (FormatError naming the parameter and
 * expected vs actual); parameters are copied, converted to `dtype` if that differs.
 */
export function modelFromParams(params: Record<string, Tensor>, options: ModelFromParamsOptions): CaptioningRNN {
  const name = options?.name ?? 'params';
  if (!params || typeof params !== 'object') fail('params', 'an object of Tensors', params === null ? 'null' : typeof params);
  const extra = Object.keys(params).filter((k) => !(PARAM_NAMES as readonly string[]).includes(k));
  const missing = PARAM_NAMES.filter((k) => !Object.hasOwn(params, k));
  if (missing.length > 0 || extra.length > 0) {
    throw new FormatError(name, `expected exactly the CS231n parameters ${PARAM_NAMES.join(' ')}${missing.length ? `; missing ${missing.join(' ')}` : ''}${extra.length ? `; unexpected ${extra.join(' ')}` : ''}`);
  }
  const p = params as Record<ParamName, Tensor>;
  const floatTypes = new Set(PARAM_NAMES.map((k) => p[k].dtype));
  if (floatTypes.has('int32') || floatTypes.size !== 1) {
    throw new FormatError(name, `parameters must all be float32 or all float64, got ${PARAM_NAMES.map((k) => `${k} ${p[k].dtype}`).join(', ')}`);
  }
  const shapeOf = (k: ParamName, rank: number): number[] => {
    if (p[k].shape.length !== rank || p[k].shape.some((d) => d === 0)) {
      throw new FormatError(name, `${k} has shape [${p[k].shape.join(', ')}], expected ${rank} non-zero dimensions`);
    }
    return [...p[k].shape];
  };
  const [D, H] = shapeOf('W_proj', 2);
  const [V, W] = shapeOf('W_embed', 2);
  const [, G] = shapeOf('Wh', 2);
  const inferred: CellType | null = G === H ? 'rnn' : G === 4 * H ? 'lstm' : null;
  if (!inferred) throw new FormatError(name, `Wh has shape [${p.Wh.shape.join(', ')}], expected (H, H) for rnn or (H, 4H) for lstm with H=${H} (from W_proj)`);
  const cellType = options.cellType ?? inferred;
  if (cellType !== 'rnn' && cellType !== 'lstm') fail('cellType', "'rnn' or 'lstm'", cellType);
  if (cellType !== inferred) throw new FormatError(name, `the parameters are those of an ${inferred} (Wh is [${p.Wh.shape.join(', ')}] with H=${H}), not an ${cellType}`);
  const want: Record<ParamName, number[]> = { W_proj: [D, H], b_proj: [H], W_embed: [V, W], Wx: [W, G], Wh: [H, G], b: [G], W_vocab: [H, V], b_vocab: [V] };
  const legend = `D=${D} H=${H} (W_proj), V=${V} W=${W} (W_embed), ${cellType}`;
  for (const k of PARAM_NAMES) {
    if (p[k].shape.join() !== want[k].join()) {
      throw new FormatError(name, `${k} has shape [${p[k].shape.join(', ')}], expected [${want[k].join(', ')}] (${legend})`);
    }
  }
  const wordToIdx = options.wordToIdx;
  if (!wordToIdx || typeof wordToIdx !== 'object') fail('wordToIdx', 'an object mapping words to ids', wordToIdx);
  const words = Object.keys(wordToIdx).length;
  if (words !== V) throw new FormatError(name, `the vocabulary has ${words} words, W_embed has ${V} rows`);
  const dtype = options.dtype ?? (p.W_proj.dtype as FloatDType);
  if (dtype !== 'float32' && dtype !== 'float64') fail('dtype', "'float32' or 'float64'", dtype);
  const converted = {} as Record<ParamName, Tensor>;
  for (const k of PARAM_NAMES) {
    const t = p[k].dtype === dtype ? p[k] : p[k].clone(dtype);
    const i = t.data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) throw new FormatError(name, `${k}[${i}] is ${p[k].data[i]}${t !== p[k] ? ` (${t.data[i]} in ${dtype})` : ''}; parameters must be finite`);
    converted[k] = t;
  }
  const model = new CaptioningRNN({ wordToIdx, inputDim: D, wordvecDim: W, hiddenDim: H, cellType, dtype });
  try {
    model.setParams(converted);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

function checkModel(model: unknown): asserts model is CaptioningRNN {
  if (!(model instanceof CaptioningRNN)) fail('model', 'a CaptioningRNN', model === null ? 'null' : typeof model);
}
