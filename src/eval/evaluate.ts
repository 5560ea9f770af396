// evaluateCaptions: the COCO caption metrics of coco-caption / pycocoevalcap (BLEU-1..4,
// ROUGE-L, CIDEr-D) over a set of images, in Node and browsers without Java.
// See docs/metrics.md for what each metric computes and how it differs from corpusBleu.
import { fail } from '../core/errors.js';
import { CiderD } from './cider.js';
import { cocoBleu, type Bleu4 } from './coco-bleu.js';
import { npMean, pySplit, wasmEvalMath, type EvalMath } from './numeric.js';
import { ptbTokenize, stripCaptionSpecials } from './ptb-tokenize.js';
import { rougeL } from './rouge.js';

/** The metrics evaluateCaptions computes. */
export type CaptionMetric = 'bleu' | 'rouge' | 'cider';
export const CAPTION_METRICS: readonly CaptionMetric[] = Object.freeze(['bleu', 'rouge', 'cider']);

/** Options of evaluateCaptions. */
export interface EvaluateOptions {
  /** Metrics to compute (default all); the others are NaN in the result. */
  metrics?: CaptionMetric[];
  /** coco-caption's PTB tokenisation (lower-case, punctuation dropped) first (default true). */
  tokenize?: boolean;
  /** log, exp and pow (default: the wasm kernels', so `init()` must have resolved). */
  math?: EvalMath;
}

/** Scores of one image. */
export interface ImageScores {
  bleu: Bleu4;
  rougeL: number;
  cider: number;
}

/** Corpus scores and per-image scores, keyed by image id. */
export interface EvaluationResult extends ImageScores {
  perImage: Record<string, ImageScores>;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks the arguments; returns the image ids (in the references' order). Throws RecapError. */
function checkInputs(candidates: unknown, references: unknown, options: unknown): string[] {
  if (!isRecord(candidates)) fail('candidates', 'an object { imageId: caption string }', Array.isArray(candidates) ? 'an array' : candidates === null ? 'null' : typeof candidates);
  if (!isRecord(references)) fail('references', 'an object { imageId: [reference caption strings] }', Array.isArray(references) ? 'an array' : references === null ? 'null' : typeof references);
  const ids = Object.keys(references);
  if (ids.length === 0) fail('references', 'at least one image', 'no images');
  for (const id of Object.keys(candidates)) {
    if (!Object.prototype.hasOwnProperty.call(references, id)) fail(`references[${JSON.stringify(id)}]`, 'references for every candidate image id', 'missing', 'candidates and references must have the same image ids');
    if (typeof candidates[id] !== 'string') fail(`candidates[${JSON.stringify(id)}]`, 'a caption string', typeof candidates[id]);
  }
  for (const id of ids) {
    if (!Object.prototype.hasOwnProperty.call(candidates, id)) fail(`candidates[${JSON.stringify(id)}]`, 'a candidate for every reference image id', 'missing', 'candidates and references must have the same image ids');
    const refs = references[id];
    if (!Array.isArray(refs) || refs.length === 0) fail(`references[${JSON.stringify(id)}]`, 'a non-empty array of reference captions', Array.isArray(refs) ? 'an empty array' : typeof refs);
    refs.forEach((r, j) => { if (typeof r !== 'string') fail(`references[${JSON.stringify(id)}][${j}]`, 'a caption string', r === null ? 'null' : typeof r); });
  }
  if (options !== undefined && !isRecord(options)) fail('options', 'an options object', typeof options);
  const o = (options ?? {}) as Record<string, unknown>;
  if (o.metrics !== undefined) {
    if (!Array.isArray(o.metrics) || o.metrics.length === 0) fail('options.metrics', "a non-empty array of 'bleu' | 'rouge' | 'cider'", Array.isArray(o.metrics) ? 'an empty array' : typeof o.metrics);
    for (const m of o.metrics) if (!CAPTION_METRICS.includes(m as CaptionMetric)) fail('options.metrics', "'bleu', 'rouge' or 'cider'", m);
  }
  if (o.tokenize !== undefined && typeof o.tokenize !== 'boolean') fail('options.tokenize', 'a boolean', typeof o.tokenize);
  if (o.math !== undefined && !(isRecord(o.math) && ['log', 'exp', 'pow'].every((f) => typeof (o.math as Record<string, unknown>)[f] === 'function'))) {
    fail('options.math', 'an object with log, exp and pow functions', typeof o.math);
  }
  return ids;
}

/**
 * COCO caption metrics of one candidate caption per image against one or more references
 * (the same image ids in both). The corpus scores equal pycocoevalcap's Bleu(4), Rouge() and
 * Cider() (CIDEr-D) on the same tokens; `perImage` holds each image's own scores (BLEU of the
 * image alone, its ROUGE-L, its CIDEr-D within the corpus). `<START>`, `<END>` and `<NULL>`
 * words are removed from every caption first. Throws RecapError on bad input.
 */
export function evaluateCaptions(candidates: Record<string, string>, references: Record<string, string[]>, options: EvaluateOptions = {}): EvaluationResult {
  const ids = checkInputs(candidates, references, options);
  const metrics = new Set(options.metrics ?? CAPTION_METRICS);
  const math = options.math ?? wasmEvalMath;
  const prep = options.tokenize === false ? stripCaptionSpecials : (s: string) => ptbTokenize(stripCaptionSpecials(s));
  const cands = ids.map((id) => prep(candidates[id]));
  const refs = ids.map((id) => references[id].map(prep));

  const perImage: Record<string, ImageScores> = {};
  for (const id of ids) {
    // defineProperty: an id such as "__proto__" must become an own key, not the prototype
    Object.defineProperty(perImage, id, { value: { bleu: [NaN, NaN, NaN, NaN], rougeL: NaN, cider: NaN }, enumerable: true, writable: true, configurable: true });
  }
  const result: EvaluationResult = { bleu: [NaN, NaN, NaN, NaN], rougeL: NaN, cider: NaN, perImage };
  if (metrics.has('bleu')) {
    const b = cocoBleu(cands.map(pySplit), refs.map((r) => r.map(pySplit)), math);
    result.bleu = b.bleu;
    ids.forEach((id, i) => (perImage[id].bleu = b.perImage[i]));
  }
  if (metrics.has('rouge')) {
    const scores = ids.map((id, i) => (perImage[id].rougeL = rougeL(cands[i], refs[i])));
    result.rougeL = npMean(scores);
  }
  if (metrics.has('cider')) {
    const cider = new CiderD(refs, { math });
    const scores = ids.map((id, i) => (perImage[id].cider = cider.scoreImage(cands[i], i)));
    result.cider = npMean(scores);
  }
  return result;
}
