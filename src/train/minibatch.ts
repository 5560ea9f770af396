// Which caption rows each iteration trains on: drawn with replacement (CS231n's
// captioning_solver.py), consecutive chunks of a fresh permutation each epoch ('shuffle'), or
// the rows a function returns. Draws from the solver's seeded stream only.
import { fail } from '../core/errors.js';
import type { LegacyRandom } from '../core/rng.js';

export type Sampler = 'replacement' | 'shuffle' | ((iteration: number) => Int32Array | ArrayLike<number>);

/** Checks the `sampler` option. */
export function checkSampler(sampler: unknown): asserts sampler is Sampler {
  if (sampler !== 'replacement' && sampler !== 'shuffle' && typeof sampler !== 'function') {
    fail('sampler', "'replacement', 'shuffle' or a function (iteration) => row indices", sampler);
  }
}

/** Iterations an epoch of `captions` caption rows in minibatches of `batchSize` (at least 1). */
export function iterationsPerEpoch(captions: number, batchSize: number): number {
  return Math.max(Math.floor(captions / batchSize), 1);
}

export class Minibatches {
  /** The current epoch's permutation (sampler 'shuffle'). */
  order: Int32Array | null = null;
  private rows: Int32Array;

  /** `numTrain` caption rows, `batchSize` per iteration, `perEpoch` iterations an epoch. */
  constructor(readonly sampler: Sampler, private readonly batchSize: number, private readonly numTrain: number,
    private readonly perEpoch: number, private readonly rng: LegacyRandom) {
    this.rows = new Int32Array(batchSize);
  }

  get kind(): 'replacement' | 'shuffle' | 'function' {
    return typeof this.sampler === 'function' ? 'function' : this.sampler;
  }

  /** The caption rows of iteration t (a view that the next call overwrites, except for a function sampler). */
  next(t: number): Int32Array {
    const N = this.numTrain;
    if (typeof this.sampler === 'function') {
      const r = this.sampler(t);
      if (!r || typeof r.length !== 'number' || r.length < 1) fail('sampler', `a non-empty array of caption rows at iteration ${t}`, r);
      const rows = Int32Array.from(r as ArrayLike<number>);
      for (let i = 0; i < rows.length; i++) {
        if (!Number.isInteger(r[i]) || r[i] < 0 || r[i] >= N) fail(`sampler(${t})[${i}]`, `a caption row in [0, ${N})`, r[i]);
      }
      return rows;
    }
    const B = this.batchSize;
    if (this.sampler === 'replacement') {
      for (let i = 0; i < B; i++) this.rows[i] = this.rng.randint(N);
      return this.rows;
    }
    // 'shuffle': a fresh permutation each epoch, consecutive chunks of it (wrapping if B > N)
    const within = t % this.perEpoch;
    if (within === 0 || !this.order) this.order = this.rng.permutation(N);
    for (let i = 0; i < B; i++) this.rows[i] = this.order[(within * B + i) % N];
    return this.rows;
  }

  /** Checks a saved permutation (null, or a permutation of the caption rows); writes nothing. */
  checkOrder(order: unknown): void {
    if (order === null || order === undefined) return;
    const N = this.numTrain;
    if (!(order instanceof Int32Array) || order.length !== N || order.some((v) => v < 0 || v >= N)) {
      fail('state.order', `null or an Int32Array permutation of ${N} rows`, order instanceof Int32Array ? `${order.length} rows` : order);
    }
  }
}
