// A network's forward pass as a plan: per layer, a list of kernel calls per partition (output
// pixels or output channels), run in layer order on the calling thread or the worker pool. Every
// output element is computed by one call in a fixed order whatever the partition, so any thread
// count gives the same bits. Activations live in a few slots reused across layers (a value's
// slot is free again after its last reader) and across calls: nothing is allocated after the
// first forward pass of a given input size.
import { RecapError } from '../core/errors.js';
import { BufferTable, type BufferSizes, WasmBuffer } from '../core/memory.js';
import { MAX_PARTS } from '../core/mailbox.js';
import { kernels, rt } from '../core/runtime.js';
import { runCalls, type Call } from '../core/threads.js';
import { type FloatDType, precision } from '../core/tensor.js';
import type { Layer, Network } from './arch.js';
import { type PackedLayer, sliverWidth } from './weights.js';

/** An NHWC activation's shape. */
export interface Shape { n: number; h: number; w: number; c: number }

/** Output size of a window of k, stride s, padding p over n (floor mode, as PyTorch). */
function outSize(n: number, k: number, s: number, p: number): number {
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** Every value's shape for an input (N,H,W,3); a RecapError when the input is too small. */
export function valueShapes(net: Network, N: number, H: number, W: number): Shape[] {
  const shapes: Shape[] = [{ n: N, h: H, w: W, c: 3 }];
  for (const l of net.layers) {
    const x = shapes[l.input];
    let s: Shape;
    if (l.op === 'conv') s = { n: N, h: outSize(x.h, l.k, l.stride, l.pad), w: outSize(x.w, l.k, l.stride, l.pad), c: l.cout };
    else if (l.op === 'dwconv') s = { n: N, h: outSize(x.h, l.k, l.stride, l.pad), w: outSize(x.w, l.k, l.stride, l.pad), c: l.c };
    else if (l.op === 'maxpool') s = { n: N, h: outSize(x.h, l.k, l.stride, l.pad), w: outSize(x.w, l.k, l.stride, l.pad), c: x.c };
    else if (l.op === 'avgpool') s = { n: N, h: l.oh, w: l.ow, c: x.c };
    else s = { n: N, h: 1, w: 1, c: l.cout };
    if (s.h < 1 || s.w < 1) {
      throw new RecapError('input', `an image large enough for ${net.arch} (every feature map at least 1x1)`, `${H}x${W}`);
    }
    shapes.push(s);
  }
  return shapes;
}

/** Slots for the values: a value's slot is reused once its last reader has run; the outputs are kept. */
function assignSlots(net: Network): { slotOf: number[]; slots: number } {
  const values = net.layers.length + 1;
  const lastUse = new Array<number>(values).fill(-1);
  net.layers.forEach((l, i) => {
    lastUse[l.input] = i;
    if ((l.op === 'conv') && l.res !== null) lastUse[l.res] = i;
  });
  lastUse[net.grid] = lastUse[net.pooled] = Infinity;
  const slotOf = new Array<number>(values).fill(-1);
  const busy: boolean[] = [true];
  slotOf[0] = 0;
  net.layers.forEach((l, i) => {
    let s = busy.indexOf(false);
    if (s < 0) { s = busy.length; busy.push(true); }
    busy[s] = true;
    slotOf[i + 1] = s;
    for (let v = 0; v <= i; v++) if (lastUse[v] === i) busy[slotOf[v]] = false;
  });
  return { slotOf, slots: busy.length };
}

/** [p0, p1, j0, j1] ranges of a layer's output (M pixels, C channels) for up to P partitions. */
function split(M: number, C: number, P: number, V2: number, channels: boolean): [number, number, number, number][] {
  if (P <= 1) return [[0, M, 0, C]];
  if (!channels || M >= 16 * P) {
    const q = channels ? 4 : 1; // conv tiles are 4 pixels: keep the ranges whole tiles
    const cuts = Array.from({ length: P + 1 }, (_, i) => (i === P ? M : Math.floor((M * i) / P / q) * q));
    return cuts.slice(0, P).map((p0, i) => [p0, cuts[i + 1], 0, C] as [number, number, number, number]).filter((r) => r[1] > r[0]);
  }
  const ns = Math.ceil(C / V2);
  const parts = Math.min(P, ns);
  return Array.from({ length: parts }, (_, i) => {
    const j0 = Math.floor((ns * i) / parts) * V2, j1 = i === parts - 1 ? C : Math.floor((ns * (i + 1)) / parts) * V2;
    return [0, M, j0, j1] as [number, number, number, number];
  });
}

/**
 * Partitions of a layer per thread, taken from a shared queue by whichever thread is free: four,
 * twice the training plans' two, so that when one core runs slower than the other (on a shared
 * VM, a neighbour on the core) the faster thread takes more of each layer. 2 threads with the
 * worker made half as fast (each of its parts run twice), fastest/median of 20-40 alternated
 * forwards on the 2-core Zen 4 VM: ResNet-18 batch 1 73.9/82.3 ms with two a thread, 69.9/73.5
 * with four (the ideal 63); MobileNetV2 17.4/17.9 → 13.6/14.1 ms. At equal speeds four are within
 * 3% of two (ResNet-18 49.0/51.3 against 49.5/51.0 ms; MobileNetV2 9.4/9.7 against 9.7/9.9).
 */
const PARTS_PER_THREAD = 4;

/** A layer's partitions on `threads` threads (1: one call list), at most what the mailbox takes (more would be posted whole). */
export function layerParts(threads: number): number {
  return threads > 1 ? Math.min(MAX_PARTS, PARTS_PER_THREAD * threads) : 1;
}

type Slots = Record<string, WasmBuffer>;

/** A network with its packed weights: plans and runs forward passes. */
export class CompiledNetwork {
  private readonly slotOf: number[];
  private readonly nslots: number;
  private readonly table = new BufferTable<string>();
  private capacity = 0;

  constructor(readonly net: Network, readonly dtype: FloatDType, private readonly packed: readonly (PackedLayer | null)[],
              private readonly zero: WasmBuffer) {
    ({ slotOf: this.slotOf, slots: this.nslots } = assignSlots(net));
  }

  /** The activation slots for batches of up to `n` images of HxW (kept while the size repeats). */
  private slots(n: number, H: number, W: number): Slots {
    this.capacity = Math.max(n, this.capacity);
    const shapes = valueShapes(this.net, this.capacity, H, W);
    return this.table.ensure(`${this.capacity}x${H}x${W}`, () => {
      const sizes: BufferSizes<string> = {};
      for (let s = 0; s < this.nslots; s++) sizes[`s${s}`] = [this.dtype, 16];
      shapes.forEach((sh, v) => {
        const key = `s${this.slotOf[v]}`;
        sizes[key] = [this.dtype, Math.max(sizes[key][1], sh.n * sh.h * sh.w * sh.c)];
      });
      return sizes;
    }, 'input');
  }

  /** The calls of one layer, per partition. */
  private layerCalls(l: Layer, i: number, shapes: Shape[], buf: (v: number) => number, P: number): Call[][] {
    const f = precision(this.dtype);
    const x = shapes[l.input], y = shapes[i + 1];
    const out = buf(i + 1), inp = buf(l.input);
    const M = y.n * y.h * y.w;
    const V2 = sliverWidth(this.dtype);
    const pk = this.packed[i];
    if (l.op === 'conv' || l.op === 'fc') {
      const [H, W, C, k, stride, pad] = l.op === 'conv' ? [x.h, x.w, x.c, l.k, l.stride, l.pad] : [1, 1, l.cin, 1, 1, 0];
      const res = l.op === 'conv' && l.res !== null ? buf(l.res) : 0;
      return split(M, y.c, P, V2, true).map(([p0, p1, j0, j1]) => [[`${f}conv2d_nhwc`, out, inp, pk!.w.ptr, pk!.bias.ptr, res, this.zero.ptr,
        y.n, H, W, C, y.h, y.w, y.c, k, k, stride, pad, p0, p1, j0, j1, l.act]]);
    }
    if (l.op === 'dwconv') {
      return split(M, y.c, P, V2, false).map(([p0, p1]) => [[`${f}dwconv2d_nhwc`, out, inp, pk!.w.ptr, pk!.bias.ptr, this.zero.ptr,
        x.h, x.w, x.c, y.h, y.w, l.k, l.k, l.stride, l.pad, p0, p1, l.act]]);
    }
    if (l.op === 'maxpool') {
      return split(M, y.c, P, V2, false).map(([p0, p1]) => [[`${f}max_pool2d_nhwc`, out, inp, x.h, x.w, x.c, y.h, y.w, l.k, l.stride, l.pad, p0, p1]]);
    }
    return split(M, y.c, P, V2, false).map(([p0, p1]) => [[`${f}adaptive_avg_pool2d_nhwc`, out, inp, x.h, x.w, x.c, y.h, y.w, p0, p1]]);
  }

  /**
   * Runs the network up to value `upTo` (its layers [0, upTo): the grid needs no classifier) on
   * `n` images given as NHWC floats by `load(view)` (written into the input slot); returns the
   * shapes and a reader of the values' slots.
   */
  async forward(n: number, H: number, W: number, upTo: number, load: (view: Float32Array | Float64Array) => void,
                onLayer?: (i: number, ms: number) => void): Promise<{ shapes: Shape[]; read: (v: number) => Float32Array | Float64Array }> {
    const shapes = valueShapes(this.net, n, H, W);
    const slots = this.slots(n, H, W);
    const buf = (v: number) => slots[`s${this.slotOf[v]}`].ptr;
    load(slots.s0.view().subarray(0, n * H * W * 3) as Float32Array | Float64Array);
    const runtime = rt();
    const P = runtime.pool ? layerParts(runtime.threads) : 1;
    const ks = kernels();
    if (!runtime.pool && !onLayer) {
      const calls: Call[] = [];
      this.net.layers.slice(0, upTo).forEach((l, i) => { for (const part of this.layerCalls(l, i, shapes, buf, 1)) calls.push(...part); });
      runCalls(ks, calls);
    } else {
      for (let i = 0; i < upTo; i++) {
        const t0 = performance.now();
        const parts = this.layerCalls(this.net.layers[i], i, shapes, buf, P);
        if (runtime.pool) await runtime.pool.runQueue(ks, parts);
        else runCalls(ks, parts[0]);
        onLayer?.(i, performance.now() - t0);
      }
    }
    return {
      shapes,
      read: (v: number) => {
        const s = shapes[v];
        return slots[`s${this.slotOf[v]}`].view().subarray(0, s.n * s.h * s.w * s.c) as Float32Array | Float64Array;
      },
    };
  }

  /** Multiply-adds ×2 of layer i at these shapes (pools: one op per window element). */
  flops(i: number, shapes: Shape[]): number {
    const l = this.net.layers[i], x = shapes[l.input], y = shapes[i + 1];
    const out = y.n * y.h * y.w * y.c;
    if (l.op === 'conv') return 2 * out * l.k * l.k * l.cin;
    if (l.op === 'fc') return 2 * out * l.cin;
    if (l.op === 'dwconv') return 2 * out * l.k * l.k;
    if (l.op === 'maxpool') return out * l.k * l.k;
    return x.n * x.h * x.w * x.c;
  }

  /** Bytes of activations one image of HxW needs. */
  bytesPerImage(H: number, W: number): number {
    const shapes = valueShapes(this.net, 1, H, W);
    const per = new Array<number>(this.nslots).fill(0);
    shapes.forEach((s, v) => { per[this.slotOf[v]] = Math.max(per[this.slotOf[v]], s.h * s.w * s.c); });
    return per.reduce((a, b) => a + b, 0) * (this.dtype === 'float64' ? 8 : 4);
  }

  dispose(): void {
    this.table.dispose();
  }
}
