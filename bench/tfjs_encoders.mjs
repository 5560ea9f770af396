// TF.js (wasm backend, XNNPACK) peer of the encoder benchmark: resnet18, mobilenet_v2 and vgg16
// built with tf ops from the same torchvision state dict recap loads (bench/encoder_nets.mjs
// walks the layers). At load, as an inference engine does: batch norm folded into the
// convolution (scale and shift, eps 1e-5, in float64 then rounded), weights laid out for NHWC
// (OIHW -> HWIO, depthwise (C,1,kh,kw) -> (kh,kw,C,1)), fc weights transposed to (in, out) and
// vgg16's first fc permuted to the NHWC flatten order. Each conv is one tf.fused.conv2d /
// depthwiseConv2d with bias and ReLU/ReLU6 (XNNPACK's fused kernels); a residual add is tf.add
// then the activation (the wasm backend fuses no add). The timed call takes the NCHW input
// tensor, transposes it to NHWC (part of the time: every peer starts from the same NCHW batch)
// and reads the result back (dataSync).
import { tf } from './tfjs_model.mjs';
import { NETS } from './encoder_nets.mjs';

const EPS = 1e-5;

/** Folded conv weights of one layer: { filter (tf, HWIO or depthwise), bias (tf) }. */
function foldConv(sd, o, depthwise) {
  const w = sd[o.w];
  const [cout, cinG, kh, kw] = w.shape;
  const scale = new Float64Array(cout), shift = new Float64Array(cout);
  if (o.bn) {
    const g = sd[`${o.bn}.weight`].data, b = sd[`${o.bn}.bias`].data, m = sd[`${o.bn}.running_mean`].data, v = sd[`${o.bn}.running_var`].data;
    for (let c = 0; c < cout; c++) { scale[c] = g[c] / Math.sqrt(v[c] + EPS); shift[c] = b[c] - m[c] * scale[c]; }
  } else {
    const b = o.b ? sd[o.b].data : null;
    for (let c = 0; c < cout; c++) { scale[c] = 1; shift[c] = b ? b[c] : 0; }
  }
  const src = w.data;
  const f = new Float32Array(src.length);
  // depthwise: (C,1,kh,kw) -> (kh,kw,C,1); dense: (cout,cin,kh,kw) -> (kh,kw,cin,cout)
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cinG; ci++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const v = src[((co * cinG + ci) * kh + y) * kw + x] * scale[co];
          f[depthwise ? (y * kw + x) * cout + co : ((y * kw + x) * cinG + ci) * cout + co] = v;
        }
      }
    }
  }
  const filter = depthwise ? tf.tensor4d(f, [kh, kw, cout, 1]) : tf.tensor4d(f, [kh, kw, cinG, cout]);
  return { filter, bias: tf.tensor1d(Float32Array.from(shift)) };
}

/**
 * fc weight (out, in) -> (in, out); `chw` = [C, H, W] when the input is a flattened NHWC map
 * whose torch flatten order was (C, H, W) (vgg16's classifier.0).
 */
function fcWeight(sd, name, chw) {
  const w = sd[name];
  const [outF, inF] = w.shape;
  const t = new Float32Array(inF * outF);
  for (let o = 0; o < outF; o++) {
    for (let i = 0; i < inF; i++) {
      let r = i; // row of the (in, out) matrix this torch input index lands on
      if (chw) { const [C, H, W] = chw; const c = Math.floor(i / (H * W)), hw = i % (H * W); r = hw * C + c; }
      t[r * outF + o] = w.data[o * inF + i];
    }
  }
  return tf.tensor2d(t, [inF, outF]);
}

/**
 * The network `arch` in TF.js from a state dict (name -> { shape, data }, bench/encoder_nets.mjs
 * readSafetensors). Returns { run(x: Float32Array NCHW, N) -> Float32Array (N, outputDim), dispose() }.
 */
export function makeTfjsEncoder(arch, sd, H = 224, W = 224) {
  const params = new Map();
  // first pass at N=1 records each layer's weights (folded) in walk order
  const build = {
    conv(x, o) {
      const depthwise = (o.groups ?? 1) > 1;
      params.set(o.w, foldConv(sd, o, depthwise));
      return x;
    },
    maxPool: (x) => x,
    globalAvgPool: (x) => x,
    flatten: (x) => x,
    fc(x, o) {
      params.set(o.w, { w: fcWeight(sd, o.w, o.w === 'classifier.0.weight' ? [512, 7, 7] : null), b: tf.tensor1d(sd[o.b].data) });
      return x;
    },
  };
  NETS[arch](build, null);
  const act = (a) => (a === 'relu' ? 'relu' : a === 'relu6' ? 'relu6' : 'linear');
  const ops = {
    conv(x, o) {
      const p = params.get(o.w);
      const depthwise = (o.groups ?? 1) > 1;
      const fuse = o.add ? 'linear' : act(o.act);
      let y = depthwise
        ? tf.fused.depthwiseConv2d({ x, filter: p.filter, strides: o.stride, pad: o.pad, bias: p.bias, activation: fuse })
        : tf.fused.conv2d({ x, filter: p.filter, strides: o.stride, pad: o.pad, bias: p.bias, activation: fuse });
      if (o.add) {
        y = tf.add(y, o.add);
        if (o.act === 'relu') y = tf.relu(y);
        else if (o.act === 'relu6') y = tf.relu6(y);
      }
      return y;
    },
    maxPool: (x, k, s, p) => tf.maxPool(x, k, s, p),
    globalAvgPool: (x) => tf.mean(x, [1, 2], true),
    flatten: (x) => tf.reshape(x, [x.shape[0], -1]),
    fc(x, o) {
      const p = params.get(o.w);
      return tf.fused.matMul({ a: x, b: p.w, bias: p.b, activation: act(o.act) });
    },
  };
  return {
    run(input, N) {
      const y = tf.tidy(() => {
        const x = tf.transpose(tf.tensor4d(input, [N, 3, H, W]), [0, 2, 3, 1]);
        return NETS[arch](ops, x);
      });
      const out = y.dataSync().slice();
      y.dispose();
      return out;
    },
    dispose() {
      for (const p of params.values()) for (const t of Object.values(p)) t.dispose();
      params.clear();
    },
  };
}
