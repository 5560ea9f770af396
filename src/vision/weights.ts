// A torchvision state_dict checked against an architecture's table, then folded and packed once
// into wasm memory in the layouts the kernels read (assembly/conv2d.ts, dwconv.ts):
//   conv:   B (K = KH·KW·C, OC), k = (ky·KW + kx)·C + c, in slivers of V2 columns (8 f32 / 4 f64),
//           each K rows of V2, columns past OC zero; the batch norm folded in:
//           scale = γ/√(var + 1e-5), B = W·scale, bias = β − mean·scale (all in float64, then
//           rounded once to the encoder's dtype)
//   dwconv: channel blocks of one vector (L = 4 f32 / 2 f64 channels), each block's KH·KW taps
//           contiguous: element ((c/L)·KH·KW + t)·L + c%L = W[c, t]·scale[c], lanes past C zero
//   fc:     as a 1x1 conv (B = Wᵀ, (in, out)); fc6 of VGG takes its input in NHWC order, so its
//           rows are permuted from torch's (c,h,w) flattening to (h,w,c)
import { RecapError } from '../core/errors.js';
import { WasmBuffer } from '../core/memory.js';
import { Tensor, type FloatDType, type TypedArray } from '../core/tensor.js';
import { type Layer, type Network, paramSpecs } from './arch.js';

/** torchvision's BatchNorm2d eps (every BN of these networks). */
const BN_EPS = 1e-5;

/** A layer's packed weights and bias in wasm memory (none for the pools). */
export interface PackedLayer { w: WasmBuffer; bias: WasmBuffer }

/** Floats per sliver of packed conv weights: 2 vectors. */
export function sliverWidth(dtype: FloatDType): number {
  return dtype === 'float64' ? 4 : 8;
}

/**
 * Throws one RecapError listing every missing, unexpected, mis-shaped or non-float entry of `sd`
 * for `net` (the classifier's entries are accepted and ignored), before anything is allocated.
 */
export function checkStateDict(net: Network, sd: unknown): asserts sd is Record<string, Tensor> {
  const want = `a torchvision ${net.arch} state_dict (name -> Tensor)`;
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw new RecapError('weights', want, sd === null ? 'null' : Array.isArray(sd) ? 'an array' : typeof sd);
  const dict = sd as Record<string, unknown>;
  const specs = paramSpecs(net);
  const known = new Set([...specs.map((s) => s.name), ...net.head]);
  const missing: string[] = [];
  const misshaped: string[] = [];
  for (const s of specs) {
    if (!Object.hasOwn(dict, s.name)) {
      if (!s.optional) missing.push(s.name);
      continue;
    }
    const t = dict[s.name];
    if (!(t instanceof Tensor)) misshaped.push(`${s.name} (not a Tensor)`);
    else if (s.optional) continue; // num_batches_tracked: any value
    else if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i])) {
      misshaped.push(`${s.name} [${t.shape.join(', ')}] (expected [${s.shape.join(', ')}])`);
    } else if (t.dtype === 'int32') misshaped.push(`${s.name} (int32, expected a float tensor)`);
  }
  const unexpected = Object.keys(dict).filter((k) => !known.has(k));
  if (missing.length + misshaped.length + unexpected.length === 0) return;
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.length}: ${missing.join(', ')}`);
  if (unexpected.length) parts.push(`unexpected ${unexpected.length}: ${unexpected.join(', ')}`);
  if (misshaped.length) parts.push(`mis-shaped ${misshaped.length}: ${misshaped.join(', ')}`);
  throw new RecapError('weights', want, parts.join('; '));
}

/** Per output channel (scale, shift) of a layer: its batch norm, or (1, conv bias). */
function affine(sd: Record<string, Tensor>, bn: string | null, bias: string | null, c: number): { scale: Float64Array; shift: Float64Array } {
  const scale = new Float64Array(c).fill(1);
  const shift = new Float64Array(c);
  if (bn) {
    const g = sd[`${bn}.weight`].data, b = sd[`${bn}.bias`].data, m = sd[`${bn}.running_mean`].data, v = sd[`${bn}.running_var`].data;
    for (let i = 0; i < c; i++) {
      scale[i] = g[i] / Math.sqrt(v[i] + BN_EPS);
      shift[i] = b[i] - m[i] * scale[i];
    }
  } else if (bias) {
    const b = sd[bias].data;
    for (let i = 0; i < c; i++) shift[i] = b[i];
  }
  return { scale, shift };
}

/** Allocates a zeroed buffer of n floats and fills it by `fill(view)`; freed again if fill throws. */
function buffer(dtype: FloatDType, n: number, fill: (view: TypedArray) => void): WasmBuffer {
  const buf = new WasmBuffer(dtype, n);
  try {
    const view = buf.view();
    view.fill(0);
    fill(view);
  } catch (e) {
    buf.free();
    throw e;
  }
  return buf;
}

/**
 * Packs B (K, OC) given by W (torch layout) into slivers: element (k, oc) = W[src(oc, k)]·scale[oc].
 * Rows are visited in each output channel's torch order, so W streams.
 */
function packSlivers(dtype: FloatDType, K: number, OC: number, w: TypedArray, src: (oc: number, k: number) => number, scale: Float64Array): WasmBuffer {
  const V2 = sliverWidth(dtype);
  return buffer(dtype, K * Math.ceil(OC / V2) * V2, (view) => {
    for (let oc = 0; oc < OC; oc++) {
      const base = Math.floor(oc / V2) * K * V2 + (oc % V2);
      const s = scale[oc];
      for (let k = 0; k < K; k++) view[base + k * V2] = w[src(oc, k)] * s;
    }
  });
}

function packLayer(l: Layer, sd: Record<string, Tensor>, dtype: FloatDType): PackedLayer | null {
  if (l.op === 'maxpool' || l.op === 'avgpool') return null;
  const cout = l.op === 'dwconv' ? l.c : l.cout;
  const { scale, shift } = affine(sd, l.op === 'fc' ? null : l.bn, l.op === 'fc' || (l.op === 'conv' && l.bias) ? `${l.name}.bias` : null, cout);
  const w = sd[`${l.name}.weight`].data;
  const bias = buffer(dtype, cout, (v) => v.set(shift));
  let packed: WasmBuffer;
  try {
    if (l.op === 'conv') {
      // k = (ky·k + kx)·cin + c  <-  torch (oc, c, ky, kx)
      const { k, cin } = l;
      packed = packSlivers(dtype, k * k * cin, cout, w, (oc, kk) => {
        const c = kk % cin, t = (kk - c) / cin;
        return (oc * cin + c) * k * k + t;
      }, scale);
    } else if (l.op === 'dwconv') {
      const kk = l.k * l.k, L = sliverWidth(dtype) / 2;
      packed = buffer(dtype, Math.ceil(cout / L) * kk * L, (v) => {
        for (let c = 0; c < cout; c++) {
          const base = Math.floor(c / L) * kk * L + (c % L);
          for (let t = 0; t < kk; t++) v[base + t * L] = w[c * kk + t] * scale[c];
        }
      });
    } else {
      const { cin, flatten } = l;
      // torch flattens (c, h, w); the NHWC input is (h, w, c)
      const src = flatten
        ? (oc: number, kk: number) => { const [c, h, ww] = flatten; const ch = kk % c, hw = (kk - ch) / c; return oc * cin + ch * h * ww + hw; }
        : (oc: number, kk: number) => oc * cin + kk;
      packed = packSlivers(dtype, cin, cout, w, src, scale);
    }
  } catch (e) {
    bias.free();
    throw e;
  }
  return { w: packed, bias };
}

/** Every layer's packed weights (null for pools), in wasm memory; all freed if one fails. */
export function packNetwork(net: Network, sd: Record<string, Tensor>, dtype: FloatDType): (PackedLayer | null)[] {
  const out: (PackedLayer | null)[] = [];
  try {
    for (const l of net.layers) out.push(packLayer(l, sd, dtype));
  } catch (e) {
    freePacked(out);
    throw e;
  }
  return out;
}

export function freePacked(layers: readonly (PackedLayer | null)[]): void {
  for (const p of layers) {
    p?.w.free();
    p?.bias.free();
  }
}
