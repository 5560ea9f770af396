// CIDEr-D (Vedantam, Zitnick & Parikh 2015, "CIDEr: Consensus-based image description
// evaluation"), exactly as coco-caption's `Cider()` computes it (pycocoevalcap
// cider/cider_scorer.py), with its quirks:
// - captions split on whitespace; n-grams of order 1..4 as TF-IDF vectors, weight
//   tf · (log(#images) − log(max(1, df))), df = number of images whose references contain the
//   n-gram (over the reference corpus given), so an n-gram of every image weighs 0 and a
//   one-image corpus scores 0;
// - per reference and order: Σ min(w_cand, w_ref) · w_ref (clipped) / (‖cand‖·‖ref‖) (no
//   division when a norm is 0), times the Gaussian length penalty e^(−δ²/2σ²) (σ = 6) where δ
//   is the difference of the BIGRAM counts (the original's "length"), e taken as np.e ** x;
// - mean over the orders, divided by the number of references, times 10.
//
// `CiderD` precomputes the document frequencies and every reference vector once, so scoring
// many candidates (self-critical training) costs only the candidate's own n-grams.
import { fail } from '../core/errors.js';
import { NgramIndex } from './ngrams.js';
import { npSum, pySplit, wasmEvalMath, type EvalMath } from './numeric.js';

/** Options of CiderD. */
export interface CiderDOptions {
  /** Largest n-gram order (default 4). */
  n?: number;
  /** Standard deviation of the length penalty (default 6). */
  sigma?: number;
  /** log and pow (default: the wasm kernels'). */
  math?: EvalMath;
}

interface RefVector {
  ids: Int32Array; // n-gram ids, grouped by order (orderStart[k] .. orderStart[k+1])
  weights: Float64Array; // tf-idf weight of each
  orderStart: Int32Array; // (n+1)
  norms: Float64Array; // (n)
  length: number; // number of bigrams
}

/** CIDEr-D scorer with document frequencies from a fixed reference corpus. */
export class CiderD {
  /** Number of images of the reference corpus. */
  readonly numImages: number;
  private readonly n: number;
  private readonly sigma: number;
  private readonly math: EvalMath;
  private readonly index = new NgramIndex();
  private readonly refLen: number; // log(#images)
  private readonly logDf: Float64Array; // log(max(1, df)) by n-gram id
  private readonly refs: RefVector[][];
  private readonly hyp: Float64Array; // scratch: candidate weight by n-gram id (0 elsewhere)

  /**
   * `references[i]`: the reference captions of image i (tokenised strings split on whitespace,
   * or token arrays), one or more per image.
   */
  constructor(references: readonly (readonly (string | readonly string[])[])[], options: CiderDOptions = {}) {
    const { n = 4, sigma = 6, math = wasmEvalMath } = options;
    if (!Number.isInteger(n) || n < 1) fail('options.n', 'a positive integer', n);
    if (!(typeof sigma === 'number' && sigma > 0)) fail('options.sigma', 'a positive number', sigma);
    if (!Array.isArray(references) || references.length === 0) fail('references', 'a non-empty array (one list of references per image)', Array.isArray(references) ? 'an empty array' : typeof references);
    this.n = n;
    this.sigma = sigma;
    this.math = math;
    this.numImages = references.length;
    const counts = references.map((refs, i) => {
      if (!Array.isArray(refs) || refs.length === 0) fail(`references[${i}]`, 'a non-empty array of reference captions', Array.isArray(refs) ? 'an empty array' : typeof refs);
      return refs.map((r, j) => this.index.count(this.index.tokenIds(tokensOf(r, `references[${i}][${j}]`)), n));
    });
    const df = new Float64Array(this.index.size);
    const seen = new Int32Array(this.index.size).fill(-1);
    counts.forEach((refs, i) => {
      for (const c of refs) for (const id of c.keys()) if (seen[id] !== i) { seen[id] = i; df[id]++; }
    });
    this.refLen = math.log(references.length);
    this.logDf = df.map((d) => math.log(Math.max(1, d)));
    this.hyp = new Float64Array(this.index.size);
    this.refs = counts.map((refs) => refs.map((c) => this.refVector(c)));
  }

  private refVector(counts: Map<number, number>): RefVector {
    const ids = new Int32Array(counts.size), weights = new Float64Array(counts.size);
    const orderStart = new Int32Array(this.n + 1), sq = new Float64Array(this.n);
    let j = 0, length = 0;
    for (const [id, tf] of counts) { // grouped by order already (count() goes k = 1..n)
      const k = this.index.order[id] - 1;
      ids[j] = id;
      weights[j] = tf * (this.refLen - this.logDf[id]);
      sq[k] += weights[j] * weights[j];
      orderStart[k + 1] = ++j;
      if (k === 1) length += tf;
    }
    for (let k = 1; k <= this.n; k++) orderStart[k] = Math.max(orderStart[k], orderStart[k - 1]);
    return { ids, weights, orderStart, norms: sq.map(Math.sqrt), length };
  }

  /**
   * CIDEr-D of one candidate caption (a tokenised string or token array) against the
   * references of image `image` of the corpus.
   */
  scoreImage(candidate: string | readonly string[], image: number): number {
    if (!Number.isInteger(image) || image < 0 || image >= this.numImages) fail('image', `an image index in [0, ${this.numImages})`, image);
    const tokens = tokensOf(candidate, 'candidate');
    const { n, hyp, refLen } = this;
    // Candidate vector: n-grams of the corpus into the scratch array; unseen ones (df 0,
    // weight tf · log(#images)) only add to the norm.
    const unseen = new Map<string, number>();
    const counts = this.index.count(this.index.tokenIds(tokens), n, unseen);
    const sq = new Float64Array(n);
    let length = 0;
    for (const [id, tf] of counts) {
      const k = this.index.order[id] - 1;
      hyp[id] = tf * (refLen - this.logDf[id]);
      sq[k] += hyp[id] * hyp[id];
      if (k === 1) length += tf;
    }
    for (const [key, tf] of unseen) {
      const k = Number(key.slice(0, key.indexOf('|'))) - 1;
      const w = tf * refLen;
      sq[k] += w * w;
      if (k === 1) length += tf;
    }
    const score = this.againstRefs(image, sq.map(Math.sqrt), length, new Float64Array(n));
    for (const id of counts.keys()) hyp[id] = 0;
    return score;
  }

  /** Token id of `word` for scoreIds: -1 when no reference uses it. */
  tokenId(word: string): number {
    return this.index.tokenId(word);
  }

  /**
   * `scoreImage` of a candidate given as `length` token ids (`tokenId` of each word; words no
   * reference uses as distinct negative ids), allocating nothing once its scratch has grown to
   * the longest candidate: the same n-grams, sums and order, so the same bits. For scoring many
   * sampled captions (self-critical training).
   */
  scoreIds(ids: ArrayLike<number>, length: number, image: number): number {
    if (!Number.isInteger(image) || image < 0 || image >= this.numImages) fail('image', `an image index in [0, ${this.numImages})`, image);
    const { n, hyp, refLen } = this;
    const sc = this.scratchFor(length);
    // n-gram counts in hyp (first-seen order in sc.seen), unseen n-grams deduplicated by their ids
    let ns = 0, nu = 0;
    for (let k = 1; k <= n; k++) {
      for (let i = 0; i + k <= length; i++) {
        const id = this.index.find(ids, i, k);
        if (id >= 0) {
          if (hyp[id] === 0) sc.seen[ns++] = id;
          hyp[id] += 1;
          continue;
        }
        let u = 0;
        while (u < nu && !(sc.unseenK[u] === k && sameIds(ids, sc.unseenAt[u], i, k))) u++;
        if (u === nu) { sc.unseenK[nu] = k; sc.unseenAt[nu] = i; sc.unseenTf[nu] = 0; nu++; }
        sc.unseenTf[u] += 1;
      }
    }
    sc.sq.fill(0);
    let len = 0;
    for (let s = 0; s < ns; s++) {
      const id = sc.seen[s], k = this.index.order[id] - 1, tf = hyp[id];
      hyp[id] = tf * (refLen - this.logDf[id]);
      sc.sq[k] += hyp[id] * hyp[id];
      if (k === 1) len += tf;
    }
    for (let u = 0; u < nu; u++) {
      const k = sc.unseenK[u] - 1, w = sc.unseenTf[u] * refLen;
      sc.sq[k] += w * w;
      if (k === 1) len += sc.unseenTf[u];
    }
    for (let k = 0; k < n; k++) sc.norms[k] = Math.sqrt(sc.sq[k]);
    sc.score.fill(0);
    const score = this.againstRefs(image, sc.norms, len, sc.score);
    for (let s = 0; s < ns; s++) hyp[sc.seen[s]] = 0;
    return score;
  }

  private scratch = { seen: new Int32Array(0), unseenK: new Int32Array(0), unseenAt: new Int32Array(0), unseenTf: new Float64Array(0),
    sq: new Float64Array(0), norms: new Float64Array(0), score: new Float64Array(0) };

  /** scoreIds' scratch for a candidate of `length` tokens (grown, never shrunk). */
  private scratchFor(length: number) {
    const need = this.n * Math.max(1, length);
    if (this.scratch.seen.length < need) {
      this.scratch = { seen: new Int32Array(need), unseenK: new Int32Array(need), unseenAt: new Int32Array(need), unseenTf: new Float64Array(need),
        sq: new Float64Array(this.n), norms: new Float64Array(this.n), score: new Float64Array(this.n) };
    }
    return this.scratch;
  }

  /** The candidate vector (in hyp, its norms and bigram length) against the references of `image`; score (n) zeroed scratch. */
  private againstRefs(image: number, norms: ArrayLike<number>, length: number, score: Float64Array): number {
    const n = this.n, hyp = this.hyp;
    for (const ref of this.refs[image]) {
      const delta = length - ref.length;
      const penalty = this.math.pow(Math.E, -(delta * delta) / (2 * this.sigma * this.sigma));
      for (let k = 0; k < n; k++) {
        let val = 0;
        for (let j = ref.orderStart[k]; j < ref.orderStart[k + 1]; j++) {
          const r = ref.weights[j];
          val += Math.min(hyp[ref.ids[j]], r) * r;
        }
        if (norms[k] !== 0 && ref.norms[k] !== 0) val /= norms[k] * ref.norms[k];
        score[k] += val * penalty;
      }
    }
    return ((npSum(score) / n) / this.refs[image].length) * 10;
  }
}

/** Whether ids[a, a+k) and ids[b, b+k) hold the same tokens. */
function sameIds(ids: ArrayLike<number>, a: number, b: number, k: number): boolean {
  for (let j = 0; j < k; j++) if (ids[a + j] !== ids[b + j]) return false;
  return true;
}

function tokensOf(caption: string | readonly string[], name: string): readonly string[] {
  if (typeof caption === 'string') return pySplit(caption);
  if (!Array.isArray(caption) || caption.some((t) => typeof t !== 'string')) fail(name, 'a caption string or an array of token strings', caption === null ? 'null' : typeof caption);
  return caption;
}
