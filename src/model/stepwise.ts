// Step-wise decoding: the recurrent state of `rows` sequences advanced one word at a time on
// this thread (temperature / nucleus sampling; greedy decoding, also with n-gram blocking,
// shares the buffers but runs as a plan, see greedy.ts; beam search: beam.ts).
import { BufferTable, type WasmBuffer, withScratch } from '../core/memory.js';
import { type LegacyRandom } from '../core/rng.js';
import { kernels, scratch } from '../core/runtime.js';
import { Tensor } from '../core/tensor.js';
import { type ModelConfig, sizesOf } from './config.js';
import { type Decoding, drawWord } from './decoding.js';
import type { ParamBlock } from './params.js';

function stepSizes(c: ModelConfig, rows: number) {
  const { D, W, H, V, G } = sizesOf(c);
  const f = c.dtype;
  return {
    features: [f, rows * D], words: ['int32', rows], x: [f, rows * W], // (rows, D), (rows), (rows, W)
    h: [f, rows * H], hNext: [f, rows * H], c: [f, rows * H], cNext: [f, rows * H], // (rows, H)
    scores: [f, rows * V], logp: [f, rows * V], // (rows, V)
    gates: [f, rows * G], dgates: [f, rows * G], tanhC: [f, rows * H], dtanhC: [f, rows * H], dtanh: [f, rows * H],
  } as const;
}

export type StepBufs = Record<keyof ReturnType<typeof stepSizes>, WasmBuffer>;

export class Stepper {
  rows = 0;
  private readonly table = new BufferTable<keyof StepBufs>();
  readonly vocabSize: number;

  constructor(readonly config: ModelConfig, private readonly params: ParamBlock) {
    this.vocabSize = config.vocabSize;
  }

  /** Buffers for `rows` sequences, re-made only when the count changes. */
  ensure(rows: number): StepBufs {
    const bufs = this.table.ensure(String(rows), () => stepSizes(this.config, rows), 'features');
    this.rows = rows;
    return bufs;
  }

  /** The buffers of the current row count (null before the first ensure). */
  get bufs(): StepBufs | null {
    return this.table.bufs;
  }

  /** h0 = features·W_proj + b_proj for each image, repeated `copies` times per image; c0 = 0. */
  project(features: Tensor, N: number, copies: number): void {
    const { D, H, f } = sizesOf(this.config);
    const b = this.bufs!;
    const fv = b.features.view();
    for (let n = 0; n < N; n++) {
      const row = features.data.subarray(n * D, (n + 1) * D);
      for (let r = 0; r < copies; r++) fv.set(row, (n * copies + r) * D);
    }
    kernels()[`${f}affine_forward`](b.h.ptr, b.features.ptr, this.params.addr('W_proj'), this.params.addr('b_proj'), N * copies, D, H, scratch());
    b.c.zero();
  }

  /** One time step for every row: embeds `words`, advances h (and c), writes `scores`. */
  step(rows: number): void {
    const { W, H, V, lstm, f } = sizesOf(this.config);
    const ks = kernels();
    const b = this.bufs!;
    const A = (name: Parameters<ParamBlock['addr']>[0]) => this.params.addr(name);
    ks[`${f}word_embedding_forward`](b.x.ptr, b.words.ptr, A('W_embed'), rows, V, W);
    if (!lstm) {
      ks[`${f}rnn_step_forward`](b.hNext.ptr, b.dtanh.ptr, b.x.ptr, b.h.ptr, A('Wx'), A('Wh'), A('b'), rows, W, H, scratch());
    } else {
      ks[`${f}lstm_step_forward`](b.hNext.ptr, b.cNext.ptr, b.gates.ptr, b.dgates.ptr, b.tanhC.ptr, b.dtanhC.ptr,
        b.x.ptr, b.h.ptr, b.c.ptr, A('Wx'), A('Wh'), A('b'), rows, W, H, scratch());
      [b.c, b.cNext] = [b.cNext, b.c];
    }
    [b.h, b.hNext] = [b.hNext, b.h];
    ks[`${f}affine_forward`](b.scores.ptr, b.h.ptr, A('W_vocab'), A('b_vocab'), rows, H, V, scratch());
  }

  /** logp = log_softmax(scores / temperature) per row. */
  logSoftmax(rows: number, temperature = 1): Float32Array | Float64Array {
    const { V, f } = sizesOf(this.config);
    const b = this.bufs!;
    kernels()[`${f}log_softmax_rows`](b.logp.ptr, b.scores.ptr, rows, V, V, 1 / temperature);
    return b.logp.view() as Float32Array | Float64Array;
  }

  dispose(): void {
    this.table.dispose();
  }
}

/**
 * Temperature / nucleus sampling with this thread's step, and optional n-gram blocking: per
 * step the blocked words' scores are set to −∞ (block_ngrams over the row's words so far), then
 * one uniform draw per row (drawWord) picks each row's word. Runs maxLength steps (no early
 * stop, as CS231n). A temperature so small that the scaled scores overflow draws the argmax
 * (log_softmax_rows' limit): the step-wise reference of planned greedy decoding in the tests.
 */
export function sampleStepwise(s: Stepper, features: Tensor, N: number, startIdx: number, opts: Decoding, rng: LegacyRandom): Tensor {
  const { maxLength, temperature, topP, blockRepeatNgrams: ngram } = opts;
  const { V, f } = sizesOf(s.config);
  const ks = kernels();
  const b = s.ensure(N);
  s.project(features, N, 1);
  const words = b.words.view() as Int32Array;
  words.fill(startIdx);
  return withScratch((sc) => {
    const seq = ngram > 0 ? sc.alloc('int32', N * maxLength) : null; // (N, maxLength): the words so far
    const p = new Float64Array(V), order = new Int32Array(V);
    const out = new Int32Array(N * maxLength);
    for (let t = 0; t < maxLength; t++) {
      s.step(N);
      const bufs = s.bufs!;
      if (seq) ks[`${f}block_ngrams`](bufs.scores.ptr, seq.ptr, N, V, maxLength, 1, t, ngram);
      const logp = s.logSoftmax(N, temperature);
      const w = bufs.words.view() as Int32Array;
      for (let r = 0; r < N; r++) w[r] = drawWord(logp, V, r * V, topP, rng, p, order);
      const sv = seq?.view() as Int32Array | undefined;
      for (let n = 0; n < N; n++) {
        out[n * maxLength + t] = w[n];
        if (sv) sv[n * maxLength + t] = w[n];
      }
    }
    return new Tensor(out, [N, maxLength]);
  });
}
