// Step-wise decoding: the recurrent state of `rows` sequences advanced one word at a time on
// this thread (temperature sampling and beam search; greedy decoding shares the buffers but
// runs as a plan, see greedy.ts).
import { BufferTable, type WasmBuffer } from '../core/memory.js';
import { type LegacyRandom } from '../core/rng.js';
import { kernels, scratch } from '../core/runtime.js';
import { Tensor } from '../core/tensor.js';
import { type ModelConfig, sizesOf } from './config.js';
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

  constructor(private readonly config: ModelConfig, private readonly params: ParamBlock) {
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

  /** Reorders the recurrent state so row r continues sequence from[r] (beam search). */
  gather(from: Int32Array): void {
    const H = this.config.hiddenDim;
    const b = this.bufs!;
    gatherRows(b.h, from, H);
    if (this.config.cellType === 'lstm') gatherRows(b.c, from, H);
  }

  dispose(): void {
    this.table.dispose();
  }
}

function gatherRows(buf: WasmBuffer, from: Int32Array, width: number): void {
  const v = buf.view();
  const copy = v.slice(0, from.length * width);
  for (let r = 0; r < from.length; r++) v.set(copy.subarray(from[r] * width, (from[r] + 1) * width), r * width);
}

/** Temperature sampling: per step, one uniform draw per row against the cumulative softmax. */
export function sampleTemperature(s: Stepper, features: Tensor, N: number, maxLength: number, startIdx: number,
  temperature: number, rng: LegacyRandom): Tensor {
  const b = s.ensure(N);
  s.project(features, N, 1);
  (b.words.view() as Int32Array).fill(startIdx);
  const out = new Int32Array(N * maxLength);
  for (let t = 0; t < maxLength; t++) {
    s.step(N);
    drawWords(s, N, temperature, rng);
    const w = s.bufs!.words.view() as Int32Array;
    for (let n = 0; n < N; n++) out[n * maxLength + t] = w[n];
  }
  return new Tensor(out, [N, maxLength]);
}

function drawWords(s: Stepper, rows: number, temperature: number, rng: LegacyRandom): void {
  const logp = s.logSoftmax(rows, temperature);
  const V = s.vocabSize;
  const words = s.bufs!.words.view() as Int32Array;
  const exp = kernels().math_exp;
  for (let r = 0; r < rows; r++) {
    const u = rng.rand();
    let acc = 0;
    let pick = V - 1;
    for (let v = 0; v < V; v++) {
      acc += exp(logp[r * V + v]);
      if (u < acc) {
        pick = v;
        break;
      }
    }
    words[r] = pick;
  }
}
