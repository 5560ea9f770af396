// Numeric helpers shared by the COCO caption metrics (coco-bleu.ts, rouge.ts, cider.ts).
//
// Transcendental functions come from the wasm kernels (`math_log`, `math_exp`, `math_pow`) so
// scores are bit-identical in every engine (JS Math.* may differ in the last bit between
// engines); + - * / and sqrt are exact IEEE operations in TS already. Pass `{ math }` to the
// metrics to use others (e.g. Math.* before `init()`, or in tests).
import { kernels } from '../core/runtime.js';

/** log, exp and pow as the metrics use them. */
export interface EvalMath {
  log(x: number): number;
  exp(x: number): number;
  pow(x: number, y: number): number;
}

/** The wasm kernels' log/exp/pow (the runtime must be initialised with `await init()`). */
export const wasmEvalMath: EvalMath = {
  log: (x) => kernel('math_log')(x),
  exp: (x) => kernel('math_exp')(x),
  pow: (x, y) => kernel('math_pow')(x, y),
};

function kernel(name: 'math_log' | 'math_exp' | 'math_pow'): (...args: number[]) => number {
  const fn = kernels()[name] as ((...args: number[]) => number) | undefined;
  if (typeof fn !== 'function') {
    throw new Error(`recap: the wasm build has no ${name}; pass { math: { log: Math.log, exp: Math.exp, pow: Math.pow } }`);
  }
  return fn;
}

/**
 * numpy's float64 sum (`np.add.reduce`, pairwise summation: blocks of up to 128 summed with 8
 * interleaved accumulators, halves split at a multiple of 8), so `npMean` rounds exactly as
 * pycocoevalcap's `np.mean(scores)`.
 */
export function npSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let s = -0;
    for (let i = 0; i < n; i++) s += a[start + i];
    return s;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) s += a[start + i];
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return npSum(a, start, n2) + npSum(a, start + n2, n - n2);
}

/** `np.mean` of a float64 array: npSum / n. */
export function npMean(a: ArrayLike<number>): number {
  return npSum(a) / a.length;
}

// Python's str.split() with no argument splits on runs of Unicode whitespace (str.isspace).
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Python's `s.split()`: tokens between runs of whitespace, no empty strings. */
export function pySplit(s: string): string[] {
  const parts = s.split(PY_WHITESPACE);
  let a = 0, b = parts.length;
  if (b > 0 && parts[0] === '') a = 1;
  if (b > a && parts[b - 1] === '') b--;
  return a === 0 && b === parts.length ? parts : parts.slice(a, b);
}
