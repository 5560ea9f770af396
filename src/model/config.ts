// The model's configuration and vocabulary, validated once at construction.
//
// Shapes: N batch, T time, D image feature, W word vector, H hidden, V vocabulary,
// G = gate width (4H for the LSTM's [i|f|o|g], H for the RNN).
import { checkPositiveInt } from '../core/check.js';
import { fail } from '../core/errors.js';
import { DTYPE_BYTES, type FloatDType, type Precision, precision } from '../core/tensor.js';

export type CellType = 'rnn' | 'lstm';

export interface CaptioningRNNOptions {
  wordToIdx: Record<string, number>;
  inputDim?: number;
  wordvecDim?: number;
  hiddenDim?: number;
  cellType?: CellType;
  dtype?: FloatDType;
  seed?: number;
}

export interface ModelConfig {
  inputDim: number;
  wordvecDim: number;
  hiddenDim: number;
  cellType: CellType;
  dtype: FloatDType;
  vocabSize: number;
}

/** The sizes every plan reads: D, W, H, V, G, the element size e and the kernel prefix f. */
export interface Sizes {
  D: number;
  W: number;
  H: number;
  V: number;
  G: number;
  lstm: boolean;
  e: number;
  f: Precision;
}

export function sizesOf(c: ModelConfig): Sizes {
  const lstm = c.cellType === 'lstm';
  return {
    D: c.inputDim, W: c.wordvecDim, H: c.hiddenDim, V: c.vocabSize, G: (lstm ? 4 : 1) * c.hiddenDim, lstm,
    e: DTYPE_BYTES[c.dtype], f: precision(c.dtype),
  };
}

/** The vocabulary's lookups and special tokens. */
export interface Vocabulary {
  wordToIdx: Record<string, number>;
  idxToWord: string[];
  nullIdx: number;
  startIdx: number | null;
  endIdx: number | null;
}

/** Validates the constructor's options (nothing is allocated before this passes). */
export function parseOptions(options: CaptioningRNNOptions): { config: ModelConfig; vocab: Vocabulary; seed: number } {
  if (!options || typeof options !== 'object') fail('options', 'an options object with wordToIdx', options);
  const { wordToIdx, inputDim = 512, wordvecDim = 128, hiddenDim = 128, cellType = 'rnn', dtype = 'float32', seed = 0 } = options;
  if (!wordToIdx || typeof wordToIdx !== 'object') fail('wordToIdx', 'an object mapping words to ids', wordToIdx);
  const V = Object.keys(wordToIdx).length;
  for (const [w, i] of Object.entries(wordToIdx)) {
    if (!Number.isInteger(i) || i < 0) fail(`wordToIdx[${JSON.stringify(w)}]`, 'a non-negative integer id', i);
  }
  if (!('<NULL>' in wordToIdx)) fail('wordToIdx', "a vocabulary containing '<NULL>'", `${V} words without it`);
  checkPositiveInt('inputDim', inputDim, 1 << 20);
  checkPositiveInt('wordvecDim', wordvecDim, 1 << 20);
  checkPositiveInt('hiddenDim', hiddenDim, 1 << 20);
  if (cellType !== 'rnn' && cellType !== 'lstm') fail('cellType', "'rnn' or 'lstm'", cellType);
  if (dtype !== 'float32' && dtype !== 'float64') fail('dtype', "'float32' or 'float64'", dtype);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('seed', 'an integer in [0, 2^32)', seed);
  const idxToWord: string[] = [];
  for (const [w, i] of Object.entries(wordToIdx)) idxToWord[i] = w;
  const vocab: Vocabulary = {
    wordToIdx: { ...wordToIdx }, idxToWord, nullIdx: wordToIdx['<NULL>'],
    startIdx: wordToIdx['<START>'] ?? null, endIdx: wordToIdx['<END>'] ?? null,
  };
  return { config: { inputDim, wordvecDim, hiddenDim, cellType, dtype, vocabSize: V }, vocab, seed };
}

/**
 * Sampling feeds <START> (and beam search <NULL> for finished beams) back in as words: they
 * must be rows of W_embed, i.e. ids below V (the CS231n loss-check vocabulary is sparse).
 */
export function checkSampleVocab(vocab: Vocabulary, V: number, beam: boolean): void {
  const { startIdx, endIdx, nullIdx } = vocab;
  if (startIdx === null) fail('wordToIdx', "a vocabulary containing '<START>' (needed by sample)", 'none');
  if (startIdx >= V) fail("wordToIdx['<START>']", `an id in [0, ${V}) (a row of W_embed) to sample`, startIdx);
  if (!beam) return;
  if (endIdx === null) fail('wordToIdx', "a vocabulary containing '<END>' (needed by beam search)", 'none');
  if (nullIdx >= V) fail("wordToIdx['<NULL>']", `an id in [0, ${V}) (a row of W_embed) for beam search`, nullIdx);
}
