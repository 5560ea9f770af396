// The training and encoding path of a SmallCnn: its forward and backward passes as planned
// kernel calls over buffers that stay in wasm memory (no copy in and out per layer, as the
// layers.* functions make), split over the runtime's threads. SmallCnn.forward / backward
// (cnn.ts) remain the layer-by-layer reference.
//
// What each phase splits, and why the bits do not depend on the thread count:
//   conv forward, ReLU, pooling   by images or planes: each output element is computed by one call
//   batchnorm (both directions)    by channels: each channel's statistics and gradients are one call's
//   conv backward                  by CHUNK images (fixed, whatever the thread count): each chunk
//                                  accumulates its own partial dw, db; the partials are added in chunk
//                                  order on the calling thread
//   the affine head (and σ)        one call on the calling thread
// A phase is a list of independent parts (one GEMM packing scratch each); on one thread they run
// in order, on more they are taken by whichever thread is free (Pool.runQueue).
import { type Call, runCalls } from '../core/calls.js';
import { BufferTable, type BufferSizes, type WasmBuffer } from '../core/memory.js';
import { kernels, queueParts, rt, scratch } from '../core/runtime.js';
import { DTYPE_BYTES, type Precision, Tensor, precision } from '../core/tensor.js';
import type { RgbImage } from '../data/features.js';
import { type SmallCnn, addLogitGradient, imagesToTensor } from './cnn.js';
import { fail } from '../core/errors.js';

/** Images per chunk of the conv backward pass: the unit of its partial weight gradients. */
export const CNN_CHUNK = 8;

interface Block { C: number; F: number; H: number; W: number }

/** Sizes of each block: input channels C, filters F, input side H x W (the pooled output is H/2 x W/2). */
function blocksOf(cnn: SmallCnn): Block[] {
  let C = 3, H = cnn.spec.imageSize;
  return cnn.spec.channels.map((F) => {
    const b = { C, F, H, W: H };
    C = F;
    H >>= 1;
    return b;
  });
}

/** One phase: `n` items in at most `parts` near-equal contiguous ranges [a, c), part p's calls from call(a, c, p). */
function split(n: number, parts: number, call: (a: number, c: number, p: number) => Call[]): Call[][] {
  const k = Math.min(parts, n);
  return Array.from({ length: k }, (_, p) => {
    const a = Math.floor((n * p) / k), c = Math.floor((n * (p + 1)) / k);
    return c > a ? call(a, c, p) : [];
  });
}

export class CnnPlan {
  private readonly table = new BufferTable<string>();
  private readonly blocks: Block[];
  private readonly f: Precision;
  private readonly e: number;
  private N = 0;
  private train = false;

  constructor(readonly cnn: SmallCnn) {
    this.blocks = blocksOf(cnn);
    this.f = precision(cnn.spec.dtype);
    this.e = DTYPE_BYTES[cnn.spec.dtype];
  }

  private get parts(): number {
    return queueParts(rt().threads);
  }

  private bufs(N: number): Record<string, WasmBuffer> {
    const dt = this.cnn.spec.dtype;
    const P = this.parts;
    const chunks = Math.ceil(N / CNN_CHUNK);
    return this.table.ensure(`${N}/${P}`, () => {
      const s: BufferSizes = { x: [dt, N * 3 * this.cnn.spec.imageSize ** 2] };
      let maxAct = 0, maxIn = 0, maxCols = 0, maxWt = 0;
      this.blocks.forEach(({ C, F, H, W }, i) => {
        const A = N * F * H * W, K = C * 9;
        s[`z${i}`] = [dt, A];
        s[`y${i}`] = [dt, A];
        s[`r${i}`] = [dt, A];
        s[`q${i}`] = [dt, A / 4];
        s[`qi${i}`] = ['int32', A / 4];
        for (const n of ['w', 'b', 'gamma', 'beta', 'mean', 'invStd', 'rm', 'rv', 'dgamma', 'dbeta']) s[`${n}${i}`] = [dt, n === 'w' ? F * K : F];
        s[`dw${i}`] = [dt, chunks * F * K];
        s[`db${i}`] = [dt, chunks * F];
        maxAct = Math.max(maxAct, A);
        maxIn = Math.max(maxIn, N * C * H * W);
        maxCols = Math.max(maxCols, K * H * W);
        maxWt = Math.max(maxWt, K * F);
      });
      const last = this.blocks[this.blocks.length - 1];
      const side = last.H >> 1, Dh = this.head ? last.F : last.F * side * side, D = this.cnn.spec.outputDim;
      maxIn = Math.max(maxIn, N * last.F * side * side); // dQ also takes the head's gradient
      Object.assign(s, {
        g: [dt, N * last.F], gi: ['int32', N * last.F], fw: [dt, Dh * D], fb: [dt, D], out: [dt, N * D], prob: [dt, N * D],
        dfw: [dt, Dh * D], dfb: [dt, D], dout: [dt, N * D], dflat: [dt, N * Dh],
        dA: [dt, maxAct], dB: [dt, maxAct], dIn: [dt, maxIn], dQ: [dt, maxIn],
        cols: [dt, P * maxCols], dcols: [dt, P * maxCols], wt: [dt, P * maxWt],
      });
      return s;
    }, 'CNN batch');
  }

  private get head(): boolean {
    return this.cnn.spec.head === 'max';
  }

  /**
   * Features (N, outputDim) of `images` on this thread; 'train' normalises with batch statistics,
   * updates the CNN's running statistics and keeps what backward needs.
   */
  forward(images: readonly RgbImage[], mode: 'train' | 'test'): Tensor {
    runSync(this.planForward(images, mode));
    return this.forwardResult();
  }

  /** forward over the runtime's threads (the same bits). */
  async forwardAsync(images: readonly RgbImage[], mode: 'train' | 'test'): Promise<Tensor> {
    await runAsync(this.planForward(images, mode));
    return this.forwardResult();
  }

  /**
   * Gradients of every parameter (SmallCnn.params' names) from dout = d loss / d features of the
   * last 'train' forward; `dlogits` as SmallCnn.backward's (output 'sigmoid').
   */
  backward(dout: Tensor, dlogits?: Tensor): Record<string, Tensor> {
    runSync(this.planBackward(dout, dlogits));
    return this.backwardResult();
  }

  /** backward over the runtime's threads (the same bits). */
  async backwardAsync(dout: Tensor, dlogits?: Tensor): Promise<Record<string, Tensor>> {
    await runAsync(this.planBackward(dout, dlogits));
    return this.backwardResult();
  }

  /** Writes the images and parameters into the workspace; returns the forward's phases. */
  private planForward(images: readonly RgbImage[], mode: 'train' | 'test'): Call[][][] {
    const { cnn, f, e } = this;
    const N = images.length;
    const b = this.bufs(N);
    this.N = N;
    this.train = mode === 'train';
    b.x.view().set(imagesToTensor(images, cnn.spec.imageSize, cnn.spec.dtype).data);
    const P = this.parts;
    const phases: Call[][][] = [];
    let input = b.x.ptr;
    this.blocks.forEach(({ C, F, H, W }, i) => {
      const p = cnn.params, st = cnn.stats;
      b[`w${i}`].view().set(p[`conv${i}.w`].data);
      b[`b${i}`].view().set(p[`conv${i}.b`].data);
      b[`gamma${i}`].view().set(p[`bn${i}.gamma`].data);
      b[`beta${i}`].view().set(p[`bn${i}.beta`].data);
      b[`rm${i}`].view().set(st[`bn${i}.runningMean`].data);
      b[`rv${i}`].view().set(st[`bn${i}.runningVar`].data);
      const img = C * H * W, act = F * H * W, K = C * 9, cols = K * H * W;
      const x0 = input;
      phases.push(split(N, P, (a, c, q) => [[`${f}conv_forward`, b[`z${i}`].ptr + a * act * e, b.cols.ptr + q * cols * e, b.wt.ptr + q * K * F * e,
        x0 + a * img * e, b[`w${i}`].ptr, b[`b${i}`].ptr, c - a, C, H, W, F, 3, 3, 1, 1, scratch(q)]]));
      phases.push(split(F, P, (c0, c1) => [[`${f}spatial_batchnorm_forward`, b[`y${i}`].ptr, b[`mean${i}`].ptr, b[`invStd${i}`].ptr, b[`rm${i}`].ptr, b[`rv${i}`].ptr,
        b[`z${i}`].ptr, b[`gamma${i}`].ptr, b[`beta${i}`].ptr, N, F, H * W, c0, c1, 1e-5, 0.9, this.train ? 1 : 0]]));
      phases.push(split(N * F, P, (a, c) => [
        [`${f}relu_forward`, b[`r${i}`].ptr + a * H * W * e, b[`y${i}`].ptr + a * H * W * e, (c - a) * H * W],
        [`${f}max_pool_forward`, b[`q${i}`].ptr + a * (H * W / 4) * e, b[`qi${i}`].ptr + a * (H * W / 4) * 4, b[`r${i}`].ptr + a * H * W * e, c - a, H, W, 2, 2, 2],
      ]));
      input = b[`q${i}`].ptr;
    });
    const last = this.blocks[this.blocks.length - 1], side = last.H >> 1, D = cnn.spec.outputDim;
    let flat = input;
    if (this.head) {
      phases.push(split(N * last.F, P, (a, c) => [[`${f}max_pool_forward`, b.g.ptr + a * e, b.gi.ptr + a * 4, input + a * side * side * e, c - a, side, side, side, side, side]]));
      flat = b.g.ptr;
    }
    b.fw.view().set(cnn.params['fc.w'].data);
    b.fb.view().set(cnn.params['fc.b'].data);
    const Dh = this.head ? last.F : last.F * side * side;
    phases.push([[[`${f}affine_forward`, b.out.ptr, flat, b.fw.ptr, b.fb.ptr, N, Dh, D, scratch(0)],
      ...(cnn.spec.output === 'sigmoid' ? [[`${f}sigmoid_forward`, b.prob.ptr, b.out.ptr, N * D] as Call] : [])]]);
    return phases;
  }

  private forwardResult(): Tensor {
    const { cnn, N } = this;
    const b = this.bufs(N);
    if (this.train) {
      this.blocks.forEach(({ F }, i) => {
        cnn.stats[`bn${i}.runningMean`] = b[`rm${i}`].toTensor([F]);
        cnn.stats[`bn${i}.runningVar`] = b[`rv${i}`].toTensor([F]);
      });
    }
    return (cnn.spec.output === 'sigmoid' ? b.prob : b.out).toTensor([N, cnn.spec.outputDim]);
  }

  /** The affine's outputs of the last forward pass (N, outputDim): the logits of output 'sigmoid' (the features otherwise). */
  logits(): Tensor {
    return this.bufs(this.N).out.toTensor([this.N, this.cnn.spec.outputDim]);
  }

  /** Writes d loss / d (the affine's outputs) into the workspace (σ's backward and dlogits here, one small call); returns the backward's phases. */
  private planBackward(dout: Tensor, dlogits?: Tensor): Call[][][] {
    const { cnn, f, e, N } = this;
    if (!this.train) throw new Error('recap: CnnPlan.backward needs a forward pass in train mode first');
    if (dlogits && cnn.spec.output !== 'sigmoid') fail('dlogits', "a CNN with output 'sigmoid'", cnn.spec.output ?? 'linear');
    const b = this.bufs(N);
    const P = this.parts;
    const D = cnn.spec.outputDim;
    const last = this.blocks[this.blocks.length - 1], side = last.H >> 1;
    const Dh = this.head ? last.F : last.F * side * side;
    b.dout.view().set(dout.data);
    if (cnn.spec.output === 'sigmoid') {
      runCalls(kernels(), [[`${f}sigmoid_backward`, b.dout.ptr, b.dout.ptr, b.prob.ptr, N * D]]);
      if (dlogits) {
        const dz = b.dout.toTensor([N, D]);
        addLogitGradient(dz, dlogits);
        b.dout.view().set(dz.data);
      }
    }
    b.dfw.zero();
    b.dfb.zero();
    const phases: Call[][][] = [];
    const lastQ = b[`q${this.blocks.length - 1}`].ptr;
    phases.push([[[`${f}affine_backward`, b.dflat.ptr, b.dfw.ptr, b.dfb.ptr, b.dout.ptr, this.head ? b.g.ptr : lastQ, b.fw.ptr, N, Dh, D, scratch(0)]]]);
    let dh = b.dflat.ptr; // d loss / d (the last block's pooled output)
    if (this.head) {
      phases.push(split(N * last.F, P, (a, c) => [[`${f}max_pool_backward`, b.dQ.ptr + a * side * side * e, b.dflat.ptr + a * e, b.gi.ptr + a * 4, c - a, side * side, 1]]));
      dh = b.dQ.ptr;
    }
    const chunks = Math.ceil(N / CNN_CHUNK);
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const { C, F, H, W } = this.blocks[i];
      const HW = H * W, K = C * 9, cols = K * HW, img = C * HW, act = F * HW;
      b[`dgamma${i}`].zero();
      b[`dbeta${i}`].zero();
      b[`dw${i}`].zero();
      b[`db${i}`].zero();
      const dq = dh;
      phases.push(split(N * F, P, (a, c) => [
        [`${f}max_pool_backward`, b.dA.ptr + a * HW * e, dq + a * (HW / 4) * e, b[`qi${i}`].ptr + a * (HW / 4) * 4, c - a, HW, HW / 4],
        [`${f}relu_backward`, b.dA.ptr + a * HW * e, b.dA.ptr + a * HW * e, b[`y${i}`].ptr + a * HW * e, (c - a) * HW],
      ]));
      phases.push(split(F, P, (c0, c1) => [[`${f}spatial_batchnorm_backward`, b.dB.ptr, b[`dgamma${i}`].ptr, b[`dbeta${i}`].ptr, b.dA.ptr, b[`z${i}`].ptr,
        b[`gamma${i}`].ptr, b[`mean${i}`].ptr, b[`invStd${i}`].ptr, N, F, HW, c0, c1, 1]]));
      const x0 = i === 0 ? b.x.ptr : b[`q${i - 1}`].ptr;
      const dxAt = dq === b.dQ.ptr ? b.dIn.ptr : b.dQ.ptr; // d loss / d (this block's input): not the buffer dq is in (read above)
      phases.push(split(chunks, P, (k0, k1, q) => {
        const calls: Call[] = [];
        for (let k = k0; k < k1; k++) {
          const a = k * CNN_CHUNK, n = Math.min(N, a + CNN_CHUNK) - a;
          calls.push([`${f}conv_backward`, dxAt + a * img * e, b[`dw${i}`].ptr + k * F * K * e, b[`db${i}`].ptr + k * F * e, b.cols.ptr + q * cols * e,
            b.dcols.ptr + q * cols * e, b.dB.ptr + a * act * e, x0 + a * img * e, b[`w${i}`].ptr, n, C, H, W, F, 3, 3, 1, 1, scratch(q)]);
        }
        return calls;
      }));
      dh = dxAt;
    }
    return phases;
  }

  private backwardResult(): Record<string, Tensor> {
    const { N } = this;
    const b = this.bufs(N);
    const last = this.blocks[this.blocks.length - 1], side = last.H >> 1;
    const Dh = this.head ? last.F : last.F * side * side, D = this.cnn.spec.outputDim;
    const chunks = Math.ceil(N / CNN_CHUNK);
    const grads: Record<string, Tensor> = { 'fc.w': b.dfw.toTensor([Dh, D]), 'fc.b': b.dfb.toTensor([D]) };
    this.blocks.forEach(({ C, F }, i) => {
      grads[`conv${i}.w`] = chunkSum(b[`dw${i}`], chunks, F * C * 9, [F, C, 3, 3]);
      grads[`conv${i}.b`] = chunkSum(b[`db${i}`], chunks, F, [F]);
      grads[`bn${i}.gamma`] = b[`dgamma${i}`].toTensor([F]);
      grads[`bn${i}.beta`] = b[`dbeta${i}`].toTensor([F]);
    });
    return grads;
  }

  dispose(): void {
    this.table.dispose();
  }
}

/** SmallCnn.encode's features (the same bits) through a workspace, `chunk` images a pass, over the runtime's threads. */
export async function encodeImages(cnn: SmallCnn, images: readonly RgbImage[], chunk = 250): Promise<Tensor> {
  const D = cnn.spec.outputDim;
  const out = new Tensor(cnn.spec.dtype === 'float64' ? new Float64Array(images.length * D) : new Float32Array(images.length * D), [images.length, D]);
  const plan = new CnnPlan(cnn);
  try {
    for (let a = 0; a < images.length; a += chunk) out.data.set((await plan.forwardAsync(images.slice(a, a + chunk), 'test')).data, a * D);
  } finally {
    plan.dispose();
  }
  return out;
}

/** Runs phases of independent parts in order on this thread. */
function runSync(phases: Call[][][]): void {
  const ks = kernels();
  for (const parts of phases) for (const c of parts) runCalls(ks, c);
}

/** Runs phases of independent parts over the runtime's threads (the same bits as runSync). */
async function runAsync(phases: Call[][][]): Promise<void> {
  const ks = kernels();
  const pool = rt().pool;
  for (const parts of phases) {
    if (pool && parts.length > 1) await pool.runQueue(ks, parts);
    else for (const c of parts) runCalls(ks, c);
  }
}

/** Σ over the chunks' partial sums (chunk order, each addition rounded to the buffer's dtype). */
function chunkSum(buf: WasmBuffer, chunks: number, n: number, shape: number[]): Tensor {
  const out = buf.toTensor(shape, 0);
  const v = buf.view();
  for (let k = 1; k < chunks; k++) for (let j = 0; j < n; j++) out.data[j] += v[k * n + j];
  return out;
}
