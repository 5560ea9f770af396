// The three torchvision networks of the encoder benchmark, written once as a walk over layers
// with torchvision's state-dict names, up to recap's 'pooled' output (resnet18 and mobilenet_v2:
// global average pool; vgg16: fc7 after its ReLU). Each peer interprets the walk with its own
// `ops` (bench/tfjs_encoders.mjs builds tf ops; `layerTable` below counts FLOPs), so every
// peer runs the same network from the same weights.
//
//   ops.conv(x, { w, b?, bn?, stride, pad, groups, act?: 'relu'|'relu6', add? })  weights by name
//   ops.maxPool(x, k, stride, pad)   ops.globalAvgPool(x)   ops.flatten(x)
//   ops.fc(x, { w, b, act? })
// `x` is whatever the interpreter carries (a tf tensor, or a shape [N, C, H, W]).
import { readFileSync } from 'node:fs';

export const ARCHS = ['resnet18', 'mobilenet_v2', 'vgg16'];
export const OUTPUT_DIM = { resnet18: 512, mobilenet_v2: 1280, vgg16: 4096 };

function resnet18(ops, x) {
  x = ops.conv(x, { w: 'conv1.weight', bn: 'bn1', stride: 2, pad: 3, act: 'relu' });
  x = ops.maxPool(x, 3, 2, 1);
  for (let l = 1; l <= 4; l++) {
    for (let b = 0; b < 2; b++) {
      const p = `layer${l}.${b}`;
      const stride = l > 1 && b === 0 ? 2 : 1;
      const skip = l > 1 && b === 0 ? ops.conv(x, { w: `${p}.downsample.0.weight`, bn: `${p}.downsample.1`, stride, pad: 0 }) : x;
      const y = ops.conv(x, { w: `${p}.conv1.weight`, bn: `${p}.bn1`, stride, pad: 1, act: 'relu' });
      x = ops.conv(y, { w: `${p}.conv2.weight`, bn: `${p}.bn2`, stride: 1, pad: 1, act: 'relu', add: skip });
    }
  }
  return ops.flatten(ops.globalAvgPool(x));
}

// torchvision's inverted-residual settings: expansion t, output channels c, repeats n, stride s
const MBV2 = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];

function mobilenetV2(ops, x) {
  x = ops.conv(x, { w: 'features.0.0.weight', bn: 'features.0.1', stride: 2, pad: 1, act: 'relu6' });
  let cin = 32, f = 1;
  for (const [t, c, n, s] of MBV2) {
    for (let i = 0; i < n; i++, f++) {
      const stride = i === 0 ? s : 1;
      const p = `features.${f}.conv`;
      const hidden = cin * t;
      let y = x, j = 0;
      if (t !== 1) y = ops.conv(y, { w: `${p}.${j}.0.weight`, bn: `${p}.${j++}.1`, stride: 1, pad: 0, act: 'relu6' });
      y = ops.conv(y, { w: `${p}.${j}.0.weight`, bn: `${p}.${j++}.1`, stride, pad: 1, groups: hidden, act: 'relu6' });
      y = ops.conv(y, { w: `${p}.${j}.weight`, bn: `${p}.${j + 1}`, stride: 1, pad: 0, add: stride === 1 && cin === c ? x : undefined });
      x = y;
      cin = c;
    }
  }
  x = ops.conv(x, { w: `features.${f}.0.weight`, bn: `features.${f}.1`, stride: 1, pad: 0, act: 'relu6' });
  return ops.flatten(ops.globalAvgPool(x));
}

const VGG16 = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

function vgg16(ops, x) {
  let i = 0;
  for (const v of VGG16) {
    if (v === 'M') { x = ops.maxPool(x, 2, 2, 0); i += 1; } else { x = ops.conv(x, { w: `features.${i}.weight`, b: `features.${i}.bias`, stride: 1, pad: 1, act: 'relu' }); i += 2; }
  }
  // adaptive average pool to 7×7 is the identity at 224²; flatten in torch's (C, H, W) order
  x = ops.flatten(x);
  x = ops.fc(x, { w: 'classifier.0.weight', b: 'classifier.0.bias', act: 'relu' });
  return ops.fc(x, { w: 'classifier.3.weight', b: 'classifier.3.bias', act: 'relu' });
}

export const NETS = { resnet18, mobilenet_v2: mobilenetV2, vgg16 };

/** The layer kind of a conv, for the per-layer-type table. */
export function convKind(kh, kw, groups, cin) {
  if (groups > 1 && groups === cin) return `depthwise ${kh}×${kw}`;
  return `conv ${kh}×${kw}`;
}

/**
 * The layer table of `arch` at batch N and size H×W, from the state dict's shapes (name ->
 * shape): one row per conv / fc / pool with its output shape and FLOPs (2·MACs for conv and fc;
 * pools and the residual adds count one op per input element they read, folded BN is free).
 */
export function layerTable(arch, shapes, N = 1, H = 224, W = 224) {
  const rows = [];
  const out = (h, k, s, p) => Math.floor((h + 2 * p - k) / s) + 1;
  const ops = {
    conv(x, o) {
      const [n, c, h, w] = x;
      const [cout, cinG, kh, kw] = shapes[o.w];
      const groups = o.groups ?? 1;
      const ho = out(h, kh, o.stride, o.pad), wo = out(w, kw, o.stride, o.pad);
      const macs = n * cout * ho * wo * cinG * kh * kw;
      rows.push({ name: o.w.replace(/\.weight$/, ''), kind: convKind(kh, kw, groups, c), out: [n, cout, ho, wo], flop: 2 * macs, act: o.act ?? null, residual: Boolean(o.add) });
      return [n, cout, ho, wo];
    },
    maxPool(x, k, s, p) {
      const [n, c, h, w] = x;
      const ho = out(h, k, s, p), wo = out(w, k, s, p);
      rows.push({ name: 'maxpool', kind: 'max pool', out: [n, c, ho, wo], flop: n * c * ho * wo * k * k });
      return [n, c, ho, wo];
    },
    globalAvgPool(x) {
      const [n, c, h, w] = x;
      rows.push({ name: 'avgpool', kind: 'average pool', out: [n, c, 1, 1], flop: n * c * h * w });
      return [n, c, 1, 1];
    },
    flatten(x) { return [x[0], x.slice(1).reduce((a, b) => a * b, 1)]; },
    fc(x, o) {
      const [outF, inF] = shapes[o.w];
      if (x[1] !== inF) throw new Error(`${o.w}: input ${x[1]} features, weight takes ${inF}`);
      rows.push({ name: o.w.replace(/\.weight$/, ''), kind: 'fully connected', out: [x[0], outF], flop: 2 * x[0] * inF * outF, act: o.act ?? null });
      return [x[0], outF];
    },
  };
  const y = NETS[arch](ops, [N, 3, H, W]);
  return { rows, output: y, flop: rows.reduce((a, r) => a + r.flop, 0) };
}

/** FLOPs per layer kind of a layer table: { kind: flop }. */
export function flopByKind(table) {
  const k = {};
  for (const r of table.rows) k[r.kind] = (k[r.kind] ?? 0) + r.flop;
  return k;
}

// ------------------------------------------------------------------------------ safetensors

const ST_DTYPES = { F32: Float32Array, F64: Float64Array, I64: BigInt64Array, I32: Int32Array };

/**
 * Reads a .safetensors file: { name: { dtype, shape, data } } (data a typed array copied out of
 * the file, so it is aligned). Only what scripts/export-encoder-weights.py writes is needed.
 */
export function readSafetensors(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const base = 8 + n;
  const out = {};
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const T = ST_DTYPES[e.dtype];
    if (!T) throw new Error(`safetensors: ${name} has dtype ${e.dtype}`);
    const [a, b] = e.data_offsets;
    const copy = Uint8Array.prototype.slice.call(u8, base + a, base + b); // a copy even of a Node Buffer
    out[name] = { dtype: e.dtype, shape: e.shape, data: new T(copy.buffer, 0, (b - a) / T.BYTES_PER_ELEMENT) };
  }
  return out;
}

export const shapesOf = (sd) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]));

export const loadStateDict = (path) => readSafetensors(readFileSync(path));

// ------------------------------------------------------------------------------ input

/** The bench's input batch (N, 3, H, W), NCHW float32: a fixed pseudo-random image-like pattern in ~[-2, 2]. */
export function benchInput(N, H = 224, W = 224) {
  const x = new Float32Array(N * 3 * H * W);
  let s = 0x2545f491;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    x[i] = (s / 4294967296) * 4 - 2;
  }
  return x;
}
