// The options of sample / sampleAsync / sampleTopK, validated in one place, and the pieces of
// decoding that are plain arithmetic on the host: the length-penalty table of beam search and
// the nucleus (top-p) draw of sampling. Transcendental math goes through the wasm exports
// (kernels().math_exp / math_log), so the results are the same bits in every engine.
import { checkNumber, checkPositiveInt } from '../core/check.js';
import { fail } from '../core/errors.js';
import type { LegacyRandom } from '../core/rng.js';
import { kernels } from '../core/runtime.js';

export interface SampleOptions {
  /** Words to generate per image (greedy and sampling: no early stop, as CS231n). */
  maxLength?: number;
  /** 1 = greedy / temperature sampling; k > 1 = beam search of width k. */
  beamSize?: number;
  /**
   * 0 = argmax; > 0 samples from softmax(scores / temperature). A temperature so small that
   * scores / temperature overflow the model's float type (e.g. 1e-40 on a float32 model) takes
   * the limit: the argmax (the first maximum), as temperature 0 does.
   */
  temperature?: number;
  /** Seed of the sampling stream (temperature > 0). */
  seed?: number;
  /**
   * Beam search: α of the GNMT length penalty (Wu et al. 2016). Candidates are ranked by
   * logP / lp(len), lp(len) = ((5 + len) / 6)^α, len = words generated including <END>;
   * 0 (default) ranks by logP. α > 0 favours longer captions.
   */
  lengthPenalty?: number;
  /**
   * n ≥ 1: no n-gram occurs twice within a generated caption (a word that would repeat one is
   * never chosen; n = 1: no word repeats). 0 (default): off. Needs maxLength ≤ V + n − 1, so
   * some word is always allowed.
   */
  blockRepeatNgrams?: number;
  /**
   * Nucleus sampling (Holtzman et al. 2020), with temperature > 0: each step samples from the
   * smallest set of most probable words whose probabilities reach topP, renormalised.
   * 1 (default): the whole vocabulary (plain temperature sampling).
   */
  topP?: number;
}

/** Options of sampleTopK (beam search only). */
export type TopKOptions = Pick<SampleOptions, 'maxLength' | 'beamSize' | 'lengthPenalty' | 'blockRepeatNgrams'>;

export type Decoding = Required<SampleOptions>;

/** Validates the decoding options for a vocabulary of V words; nothing runs before this passes. */
export function parseSampleOptions(options: SampleOptions | null | undefined, V: number, defaultBeam: number): Decoding {
  if (options != null && typeof options !== 'object') fail('options', 'an options object', options);
  const { maxLength = 30, beamSize = defaultBeam, temperature = 0, seed = 0, lengthPenalty = 0, blockRepeatNgrams = 0, topP = 1 } = options ?? {};
  checkPositiveInt('maxLength', maxLength, 10000);
  checkPositiveInt('beamSize', beamSize, 1000);
  checkNumber('temperature', temperature, 0, 1e6);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('seed', 'an integer in [0, 2^32)', seed);
  checkNumber('lengthPenalty', lengthPenalty, 0, 100);
  if (!Number.isInteger(blockRepeatNgrams) || blockRepeatNgrams < 0 || blockRepeatNgrams > maxLength) {
    fail('blockRepeatNgrams', `an integer in [0, ${maxLength}] (0: off; at most maxLength)`, blockRepeatNgrams);
  }
  if (blockRepeatNgrams > 0 && maxLength > V + blockRepeatNgrams - 1) {
    fail('blockRepeatNgrams', `n with maxLength ≤ V + n − 1 = ${V + blockRepeatNgrams - 1} (so some word is always allowed)`, `n = ${blockRepeatNgrams} with maxLength ${maxLength}`);
  }
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) fail('topP', 'a number in (0, 1]', topP);
  if (topP < 1 && (temperature === 0 || beamSize > 1)) {
    fail('topP', '1 unless sampling (topP < 1 needs temperature > 0 and beamSize 1)', `${topP} with temperature ${temperature}, beamSize ${beamSize}`);
  }
  return { maxLength, beamSize, temperature, seed, lengthPenalty, blockRepeatNgrams, topP };
}

/** lp[len] = ((5 + len) / 6)^α = exp(α·ln((5 + len) / 6)) for len = 0..maxLength (all exactly 1 when α = 0). */
export function lengthPenalties(alpha: number, maxLength: number): Float64Array {
  const lp = new Float64Array(maxLength + 1).fill(1);
  if (alpha === 0) return lp;
  const { math_exp: exp, math_log: log } = kernels();
  for (let len = 0; len <= maxLength; len++) lp[len] = exp(alpha * log((5 + len) / 6));
  return lp;
}

/**
 * Draws one word from a row of log-probabilities (V) with the uniform u = rng.rand().
 * p_v = exp(logp_v). The nucleus is the shortest prefix of the words sorted by probability
 * (descending, ties by lower id) whose summed probability reaches topP. When it holds every
 * word with p > 0, the draw is plain sampling: the first v with u < Σ_{w ≤ v} p_w in id order;
 * otherwise the same walk over the nucleus only, with u scaled by the nucleus' mass. Falls
 * back to the last word of the walk with p > 0 (rounding can leave Σ p just under u).
 * `order` (Int32Array(V)) and `p` (Float64Array(V)) are the caller's scratch.
 */
export function drawWord(logp: ArrayLike<number>, V: number, off: number, topP: number, rng: LegacyRandom,
  p: Float64Array, order: Int32Array): number {
  const exp = kernels().math_exp;
  let positive = 0;
  for (let v = 0; v < V; v++) {
    p[v] = exp(logp[off + v]);
    if (p[v] > 0) positive++;
  }
  let kept = positive;
  if (topP < 1) {
    for (let v = 0; v < V; v++) order[v] = v;
    const sorted = order.subarray(0, V).sort((a, b) => p[b] - p[a] || a - b);
    let mass = 0;
    kept = 0;
    while (kept < positive && mass < topP) mass += p[sorted[kept++]];
  }
  const u = rng.rand();
  if (kept === positive) return walk(p, V, u, 1);
  // the nucleus in id order: its words marked by a negated probability, walked with u scaled by its mass
  for (let i = 0; i < kept; i++) p[order[i]] = -p[order[i]];
  let mass = 0;
  for (let v = 0; v < V; v++) if (p[v] < 0) mass -= p[v];
  return walk(p, V, u * mass, -1);
}

/** The first v (in id order) with u < Σ of sign·p_w over the words w ≤ v with sign·p_w > 0; else the last such v. */
function walk(p: Float64Array, V: number, u: number, sign: 1 | -1): number {
  let acc = 0;
  let last = -1;
  for (let v = 0; v < V; v++) {
    const q = sign * p[v];
    if (!(q > 0)) continue;
    acc += q;
    last = v;
    if (u < acc) return v;
  }
  return last;
}
