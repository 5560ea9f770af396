// BLEU (Papineni, Roukos, Ward & Zhu 2002, "BLEU: a method for automatic evaluation of machine
// translation"), corpus- and sentence-level, plus CS231n 2017's unigram caption BLEU.
//
// log/exp come from the wasm kernels (`math_log`, `math_exp`) by default so scores are
// bit-identical in every engine; pass `{ math: { log, exp } }` to use others (e.g. Math.log and
// Math.exp before the runtime is initialised, or in tests).
import { fail } from '../core/errors.js';
import { kernels } from '../core/runtime.js';

export interface BleuMath {
  log(x: number): number;
  exp(x: number): number;
}

/** The wasm kernels' log/exp (the runtime must be initialised with `await init()`). */
export const wasmMath: BleuMath = {
  log: (x) => wasmFn('math_log')(x),
  exp: (x) => wasmFn('math_exp')(x),
};

function wasmFn(name: 'math_log' | 'math_exp'): (x: number) => number {
  const fn = kernels()[name] as ((x: number) => number) | undefined;
  if (typeof fn !== 'function') {
    throw new Error(`recap: the wasm build has no ${name}; pass { math: { log: Math.log, exp: Math.exp } } to BLEU`);
  }
  return fn;
}

export interface BleuOptions {
  /** log and exp to use (default: the wasm kernels'). */
  math?: BleuMath;
}

export interface BleuResult {
  /** BLEU-1 … BLEU-4: BP · exp(Σ_{n≤N} log p_n / N); 0 when some p_n (n ≤ N) is 0. */
  bleu1: number;
  bleu2: number;
  bleu3: number;
  bleu4: number;
  /** Modified n-gram precisions p_1 … p_4 (clipped matches / hypothesis n-grams; 0 when there are none). */
  precisions: [number, number, number, number];
  /** Clipped n-gram matches and hypothesis n-gram counts, n = 1 … 4. */
  matches: [number, number, number, number];
  totals: [number, number, number, number];
  /** Brevity penalty: 1 if c > r, 0 if c = 0, else exp(1 − r/c). */
  brevityPenalty: number;
  /** c: total hypothesis length. */
  hypothesisLength: number;
  /** r: Σ over hypotheses of the closest reference length (ties → the shorter). */
  referenceLength: number;
}

function checkTokens(x: unknown, name: string): asserts x is string[] {
  if (!Array.isArray(x)) fail(name, 'an array of tokens (strings)', x === null ? 'null' : typeof x);
  for (let i = 0; i < x.length; i++) if (typeof x[i] !== 'string') fail(`${name}[${i}]`, 'a string token', typeof x[i]);
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    // U+0001 cannot occur inside a token split on spaces, so the key is unambiguous.
    const key = tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Corpus BLEU-1…4. `references[i]` is the list of reference token arrays of hypothesis i.
 * Modified precisions are summed over the corpus before dividing (not averaged per sentence);
 * a candidate n-gram counts at most as often as it occurs in any single reference (clipping).
 * The effective reference length is the sum over hypotheses of the reference length closest to
 * the hypothesis length (ties → the shorter), as in NLTK's corpus_bleu. Unsmoothed: a zero
 * precision makes that BLEU-n exactly 0 (NLTK returns ~1e-77 there, from sys.float_info.min).
 * NLTK also counts a hypothesis shorter than n as having one n-gram; here it has none (paper).
 */
export function corpusBleu(references: readonly (readonly string[])[][], hypotheses: readonly string[][], options: BleuOptions = {}): BleuResult {
  if (!Array.isArray(references)) fail('references', 'an array (one list of references per hypothesis)', typeof references);
  if (!Array.isArray(hypotheses)) fail('hypotheses', 'an array of token arrays', typeof hypotheses);
  if (references.length !== hypotheses.length) fail('references', `${hypotheses.length} reference lists (one per hypothesis)`, references.length);
  const math = options.math ?? wasmMath;
  const matches: [number, number, number, number] = [0, 0, 0, 0];
  const totals: [number, number, number, number] = [0, 0, 0, 0];
  let c = 0;
  let r = 0;
  for (let i = 0; i < hypotheses.length; i++) {
    const hyp = hypotheses[i];
    const refs = references[i];
    checkTokens(hyp, `hypotheses[${i}]`);
    if (!Array.isArray(refs) || refs.length === 0) fail(`references[${i}]`, 'a non-empty array of references', Array.isArray(refs) ? 'an empty array' : typeof refs);
    refs.forEach((ref, j) => checkTokens(ref, `references[${i}][${j}]`));
    for (let n = 1; n <= 4; n++) {
      const counts = ngramCounts(hyp, n);
      const maxRef = new Map<string, number>();
      for (const ref of refs) {
        for (const [key, k] of ngramCounts(ref, n)) if (k > (maxRef.get(key) ?? 0)) maxRef.set(key, k);
      }
      for (const [key, k] of counts) {
        matches[n - 1] += Math.min(k, maxRef.get(key) ?? 0);
        totals[n - 1] += k;
      }
    }
    c += hyp.length;
    let best = refs[0].length;
    for (const ref of refs) {
      const d = Math.abs(ref.length - hyp.length), db = Math.abs(best - hyp.length);
      if (d < db || (d === db && ref.length < best)) best = ref.length;
    }
    r += best;
  }
  const brevityPenalty = c > r ? 1 : c === 0 ? 0 : math.exp(1 - r / c);
  const precisions = matches.map((m, i) => (totals[i] > 0 ? m / totals[i] : 0)) as [number, number, number, number];
  const bleu = [0, 0, 0, 0];
  let logSum = 0;
  let zero = false;
  for (let n = 1; n <= 4; n++) {
    const p = precisions[n - 1];
    if (p === 0) zero = true;
    if (zero) break;
    logSum += math.log(p);
    // BLEU-1 needs no log/exp: BP · p_1 exactly.
    bleu[n - 1] = n === 1 ? brevityPenalty * p : brevityPenalty * math.exp(logSum / n);
  }
  return {
    bleu1: bleu[0], bleu2: bleu[1], bleu3: bleu[2], bleu4: bleu[3],
    precisions, matches, totals, brevityPenalty, hypothesisLength: c, referenceLength: r,
  };
}

/** Sentence BLEU-1…4 of one hypothesis against its references (= corpusBleu of one pair). */
export function sentenceBleu(references: readonly (readonly string[])[], hypothesis: string[], options: BleuOptions = {}): BleuResult {
  if (!Array.isArray(references)) fail('references', 'an array of reference token arrays', typeof references);
  return corpusBleu([references as (readonly string[])[]], [hypothesis], options);
}

/** Tokens that are special (contain <START>, <END>, <UNK> or are <NULL>). */
export function isSpecialToken(token: string): boolean {
  return token.includes('<START>') || token.includes('<END>') || token.includes('<UNK>') || token === '<NULL>';
}

/**
 * A decoded caption ("<START> a red circle <END>") → its words without special tokens, split on
 * single spaces as CS231n does (empty strings from doubled spaces are dropped).
 */
export function stripSpecialTokens(caption: string | readonly string[]): string[] {
  const tokens = typeof caption === 'string' ? caption.split(' ') : caption;
  if (!Array.isArray(tokens)) fail('caption', 'a string or an array of tokens', typeof caption);
  return tokens.filter((t) => typeof t === 'string' && t !== '' && !isSpecialToken(t));
}

/**
 * CS231n 2017's caption BLEU (LSTM_Captioning.ipynb `BLEU_score`): drop the tokens containing
 * <END>, <START> or <UNK> from both decoded captions (split on ' '), then NLTK's
 * `sentence_bleu([reference], hypothesis, weights=[1])`, i.e. BP · p_1 with a single reference:
 * p_1 = clipped unigram matches / hypothesis length, BP = 1 if c > r, 0 if c = 0, else
 * exp(1 − r/c) with r the reference length. 0 when nothing matches.
 */
export function cs231nBleu(gtCaption: string, sampleCaption: string, options: BleuOptions = {}): number {
  if (typeof gtCaption !== 'string') fail('gtCaption', 'a decoded caption string', typeof gtCaption);
  if (typeof sampleCaption !== 'string') fail('sampleCaption', 'a decoded caption string', typeof sampleCaption);
  // NLTK splits on ' ' exactly, so '' tokens (from doubled spaces) count as words; keep them.
  const keep = (t: string) => !t.includes('<END>') && !t.includes('<START>') && !t.includes('<UNK>');
  const reference = gtCaption.split(' ').filter(keep);
  const hypothesis = sampleCaption.split(' ').filter(keep);
  const math = options.math ?? wasmMath;
  const counts = ngramCounts(hypothesis, 1);
  const refCounts = ngramCounts(reference, 1);
  let m = 0;
  for (const [key, k] of counts) m += Math.min(k, refCounts.get(key) ?? 0);
  if (m === 0) return 0;
  const c = hypothesis.length, r = reference.length;
  const bp = c > r ? 1 : math.exp(1 - r / c);
  return (bp * m) / c;
}

/**
 * Mean of `cs231nBleu` over pairs, as the notebook's `evaluate_model` (ground truth i vs sample i).
 */
export function meanCs231nBleu(gtCaptions: readonly string[], sampleCaptions: readonly string[], options: BleuOptions = {}): number {
  if (!Array.isArray(gtCaptions)) fail('gtCaptions', 'an array of decoded captions', typeof gtCaptions);
  if (!Array.isArray(sampleCaptions) || sampleCaptions.length !== gtCaptions.length) {
    fail('sampleCaptions', `an array of ${gtCaptions.length} decoded captions`, Array.isArray(sampleCaptions) ? sampleCaptions.length : typeof sampleCaptions);
  }
  if (gtCaptions.length === 0) fail('gtCaptions', 'at least one caption', 0);
  let total = 0;
  for (let i = 0; i < gtCaptions.length; i++) total += cs231nBleu(gtCaptions[i], sampleCaptions[i], options);
  return total / gtCaptions.length;
}
