// TF.js (wasm backend) peer of the recap benchmark: the CS231n CaptioningRNN training step
// (forward, hand-written backward, assignment-3 Adam) and greedy sampling with tf ops, in the
// structure of the assignment (step functions looped over time, per-step weight gradients),
// and sgemm in the three transposition forms.
//
// Two variants of every matmul with a transposed operand:
//   'flags': tf.matMul(a, b, transposeA, transposeB)
//   'hand' : the operand is transposed explicitly (tf.transpose, once per step for weights,
//            once per use for activations) and multiplied with plain tf.matMul.
// The bench times both and takes the faster as TF.js's figure.
//
// TF.js has no float64 dtype: float64 runs are reported "n/a" for TF.js.
import * as tf from '@tensorflow/tfjs';
import * as tfwasm from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { syntheticData } from './common.mjs';

let ready = null;

/** Loads tf with the wasm backend on `threads` threads (1 by default); returns its description. */
export async function initTfjs({ threads = 1 } = {}) {
  if (ready) return ready;
  ready = (async () => {
    tfwasm.setThreadsCount(threads); // must precede the backend's initialisation
    let ok = false;
    try {
      ok = await tf.setBackend('wasm');
    } catch {
      ok = false;
    }
    if (!ok) {
      // locate the .wasm files in node_modules explicitly
      const require = createRequire(import.meta.url);
      const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      tfwasm.setWasmPaths(join(dir, 'dist') + '/');
      ok = await tf.setBackend('wasm');
    }
    if (!ok) throw new Error('TF.js wasm backend failed to initialise');
    await tf.ready();
    return {
      version: tf.version.tfjs,
      backend: tf.getBackend(),
      threads: tfwasm.getThreadsCount(),
      simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
      multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
    };
  })();
  return ready;
}

export { tf };

/** Bytes of the TF.js wasm backend's linear memory (grows, never shrinks), or null. */
export function tfjsWasmMemoryBytes() {
  try {
    const be = tf.backend();
    const heap = be.wasm?.HEAPU8 ?? be.wasm?.wasmMemory?.buffer;
    return heap ? heap.byteLength ?? heap.length : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------ sgemm

/**
 * One sgemm C[M,N] = op(A)·op(B) in `form` ('nn', 'tn': A stored (K,M), 'nt': B stored (N,K)).
 * variant 'flags' passes transposeA/transposeB; 'hand' transposes the stored operand with
 * tf.transpose inside the timed call (that is what a caller without the flags has to do).
 * Returns { run(), dispose() }; run() computes C and forces completion.
 */
export function makeSgemm(M, N, K, form, variant) {
  const a = tf.randomNormal(form === 'tn' ? [K, M] : [M, K], 0, 1, 'float32', 1);
  const b = tf.randomNormal(form === 'nt' ? [N, K] : [K, N], 0, 1, 'float32', 2);
  const ta = form === 'tn';
  const tb = form === 'nt';
  const run = () => {
    const c = tf.tidy(() => (variant === 'flags'
      ? tf.matMul(a, b, ta, tb)
      : tf.matMul(ta ? tf.transpose(a) : a, tb ? tf.transpose(b) : b)));
    // the wasm backend runs kernels synchronously; dataSync makes sure and costs one copy of C
    c.dataSync();
    c.dispose();
  };
  return { run, dispose: () => { a.dispose(); b.dispose(); } };
}

// ------------------------------------------------------------------------------------ model

/**
 * A CS231n CaptioningRNN in TF.js with a solver step (Adam, lr 1e-3) and greedy sampling.
 * variant: 'flags' | 'hand' (see the top of this file).
 */
export function makeTfjsModel({ cell, N, T, D, W, H, V, seed = 0, variant = 'flags', numCaptions = 1000 }) {
  const G = (cell === 'lstm' ? 4 : 1) * H;
  const NULL = 0, START = 1, END = 2;
  let p = tf.tidy(() => ({
    W_embed: tf.randomNormal([V, W], 0, 1 / 100, 'float32', seed + 1),
    W_proj: tf.randomNormal([D, H], 0, 1 / Math.sqrt(D), 'float32', seed + 2),
    b_proj: tf.zeros([H]),
    Wx: tf.randomNormal([W, G], 0, 1 / Math.sqrt(W), 'float32', seed + 3),
    Wh: tf.randomNormal([H, G], 0, 1 / Math.sqrt(H), 'float32', seed + 4),
    b: tf.zeros([G]),
    W_vocab: tf.randomNormal([H, V], 0, 1 / Math.sqrt(H), 'float32', seed + 5),
    b_vocab: tf.zeros([V]),
  }));
  const names = Object.keys(p);
  let m = Object.fromEntries(names.map((k) => [k, tf.zerosLike(p[k])]));
  let v = Object.fromEntries(names.map((k) => [k, tf.zerosLike(p[k])]));
  let t = 0;
  let it = 0;
  const data = syntheticData(N, T, D, V, seed, numCaptions);
  const lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;

  // matmul with a transposed operand, in the chosen variant; `wT` memoises weight transposes
  const mm = (a, b, ta, tb, wT) => {
    if (variant === 'flags' || (!ta && !tb)) return tf.matMul(a, b, ta, tb);
    const A = ta ? tf.transpose(a) : a;
    const B = tb ? (wT ? wT(b) : tf.transpose(b)) : b;
    return tf.matMul(A, B);
  };

  function batch() {
    const L = data.L;
    const feats = new Float32Array(N * D);
    const capsIn = new Int32Array(N * T);
    const capsOut = new Int32Array(N * T);
    const mask = new Float32Array(N * T);
    for (let n = 0; n < N; n++) {
      const row = (it * N + n) % data.numCaptions;
      const img = data.idxs[row];
      feats.set(data.feats.subarray(img * D, (img + 1) * D), n * D);
      for (let j = 0; j < T; j++) {
        capsIn[n * T + j] = data.caps[row * L + j];
        const o = data.caps[row * L + j + 1];
        capsOut[n * T + j] = o;
        mask[n * T + j] = o !== NULL ? 1 : 0;
      }
    }
    return { feats, capsIn, capsOut, mask };
  }

  /** One solver step: minibatch, loss and gradients, Adam on every parameter. Returns the loss. */
  function step() {
    const bt = batch();
    t += 1;
    const alpha = lr * Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t);
    const out = tf.tidy(() => {
      const memo = new Map();
      const wT = (w) => {
        if (!memo.has(w)) memo.set(w, tf.transpose(w));
        return memo.get(w);
      };
      const features = tf.tensor2d(bt.feats, [N, D]);
      const capsIn = tf.tensor1d(bt.capsIn, 'int32');
      const capsOut = tf.tensor1d(bt.capsOut, 'int32');
      const mask = tf.tensor2d(bt.mask, [N * T, 1]);

      // forward
      const h0 = tf.add(tf.matMul(features, p.W_proj), p.b_proj);
      const x = tf.reshape(tf.gather(p.W_embed, capsIn), [N, T, W]);
      const xs = tf.unstack(x, 1);
      const hs = [];
      const caches = [];
      let prevH = h0;
      let prevC = cell === 'lstm' ? tf.zeros([N, H]) : null;
      for (let s = 0; s < T; s++) {
        const a = tf.add(tf.add(tf.matMul(xs[s], p.Wx), tf.matMul(prevH, p.Wh)), p.b);
        if (cell === 'rnn') {
          const nextH = tf.tanh(a);
          caches.push({ x: xs[s], prevH, nextH });
          prevH = nextH;
        } else {
          const [ai, af, ao, ag] = tf.split(a, 4, 1);
          const i = tf.sigmoid(ai), f = tf.sigmoid(af), o = tf.sigmoid(ao), g = tf.tanh(ag);
          const nextC = tf.add(tf.mul(f, prevC), tf.mul(i, g));
          const tanhC = tf.tanh(nextC);
          const nextH = tf.mul(o, tanhC);
          caches.push({ x: xs[s], prevH, prevC, i, f, o, g, tanhC });
          prevH = nextH;
          prevC = nextC;
        }
        hs.push(prevH);
      }
      const hFlat = tf.reshape(tf.stack(hs, 1), [N * T, H]);
      const scores = tf.add(tf.matMul(hFlat, p.W_vocab), p.b_vocab);
      // temporal softmax loss
      const shifted = tf.sub(scores, tf.max(scores, 1, true));
      const sums = tf.sum(tf.exp(shifted), 1, true);
      const logp = tf.sub(shifted, tf.log(sums));
      const onehot = tf.oneHot(capsOut, V);
      const loss = tf.div(tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(logp, onehot), 1, true), mask))), N);
      const dscores = tf.mul(tf.sub(tf.exp(logp), onehot), tf.div(mask, N));

      // backward
      const grads = {};
      grads.W_vocab = mm(hFlat, dscores, true, false, wT);
      grads.b_vocab = tf.sum(dscores, 0);
      const dh = tf.unstack(tf.reshape(mm(dscores, p.W_vocab, false, true, wT), [N, T, H]), 1);
      let dWx = tf.zeros([W, G]), dWh = tf.zeros([H, G]), db = tf.zeros([G]);
      let dprevH = tf.zeros([N, H]);
      let dprevC = cell === 'lstm' ? tf.zeros([N, H]) : null;
      const dxs = new Array(T);
      for (let s = T - 1; s >= 0; s--) {
        const c = caches[s];
        const dnextH = tf.add(dh[s], dprevH);
        let da;
        if (cell === 'rnn') {
          da = tf.mul(dnextH, tf.sub(1, tf.square(c.nextH)));
        } else {
          const dc = tf.add(dprevC, tf.mul(tf.mul(dnextH, c.o), tf.sub(1, tf.square(c.tanhC))));
          const di = tf.mul(dc, c.g), df = tf.mul(dc, c.prevC), dO = tf.mul(dnextH, c.tanhC), dg = tf.mul(dc, c.i);
          da = tf.concat([
            tf.mul(di, tf.mul(c.i, tf.sub(1, c.i))), tf.mul(df, tf.mul(c.f, tf.sub(1, c.f))),
            tf.mul(dO, tf.mul(c.o, tf.sub(1, c.o))), tf.mul(dg, tf.sub(1, tf.square(c.g))),
          ], 1);
          dprevC = tf.mul(dc, c.f);
        }
        dxs[s] = mm(da, p.Wx, false, true, wT);
        dprevH = mm(da, p.Wh, false, true, wT);
        dWx = tf.add(dWx, mm(c.x, da, true, false, wT));
        dWh = tf.add(dWh, mm(c.prevH, da, true, false, wT));
        db = tf.add(db, tf.sum(da, 0));
      }
      grads.Wx = dWx; grads.Wh = dWh; grads.b = db;
      const dx = tf.reshape(tf.stack(dxs, 1), [N * T, W]);
      grads.W_embed = tf.scatterND(tf.reshape(capsIn, [N * T, 1]), dx, [V, W]);
      grads.W_proj = mm(features, dprevH, true, false, wT);
      grads.b_proj = tf.sum(dprevH, 0);

      // Adam (assignment-3 form)
      const np = {}, nm = {}, nv = {};
      for (const k of names) {
        nm[k] = tf.add(tf.mul(beta1, m[k]), tf.mul(1 - beta1, grads[k]));
        nv[k] = tf.add(tf.mul(beta2, v[k]), tf.mul(1 - beta2, tf.square(grads[k])));
        np[k] = tf.sub(p[k], tf.mul(alpha, tf.div(nm[k], tf.add(tf.sqrt(nv[k]), eps))));
      }
      return { loss, np, nm, nv };
    });
    const lossValue = out.loss.dataSync()[0];
    out.loss.dispose();
    for (const k of names) {
      p[k].dispose(); m[k].dispose(); v[k].dispose();
    }
    p = out.np; m = out.nm; v = out.nv;
    it += 1;
    return lossValue;
  }

  /** Greedy sampling of maxLength words for the first N images (CS231n sample()). */
  function sample(maxLength, n = N) {
    const feats = new Float32Array(n * D);
    for (let i = 0; i < n; i++) {
      const img = data.idxs[i % data.numCaptions];
      feats.set(data.feats.subarray(img * D, (img + 1) * D), i * D);
    }
    const res = tf.tidy(() => {
      const features = tf.tensor2d(feats, [n, D]);
      let h = tf.add(tf.matMul(features, p.W_proj), p.b_proj);
      let c = tf.zeros([n, H]);
      let word = tf.fill([n], START, 'int32');
      const words = [];
      for (let s = 0; s < maxLength; s++) {
        const x = tf.gather(p.W_embed, word);
        const a = tf.add(tf.add(tf.matMul(x, p.Wx), tf.matMul(h, p.Wh)), p.b);
        if (cell === 'rnn') {
          h = tf.tanh(a);
        } else {
          const [ai, af, ao, ag] = tf.split(a, 4, 1);
          c = tf.add(tf.mul(tf.sigmoid(af), c), tf.mul(tf.sigmoid(ai), tf.tanh(ag)));
          h = tf.mul(tf.sigmoid(ao), tf.tanh(c));
        }
        const scores = tf.add(tf.matMul(h, p.W_vocab), p.b_vocab);
        word = tf.argMax(scores, 1);
        words.push(word);
      }
      return tf.stack(words, 1);
    });
    const out = res.dataSync();
    res.dispose();
    return out;
  }

  /**
   * One image's caption (the first image): greedy (beamSize 1) or beam search of width k written
   * the plain TF.js way: the k beams step as a batch with tf ops, tf.logSoftmax gives the
   * log-probabilities, the candidates (k·V extensions plus the finished beams as they are) are
   * ranked in JS, and tf.gather makes h and c follow the surviving beams; stops when every beam
   * has finished. Returns the best caption.
   */
  function sampleOne(maxLength, beamSize) {
    if (beamSize === 1) return sample(maxLength, 1);
    const k = beamSize;
    const img = data.idxs[0];
    const feat = data.feats.slice(img * D, (img + 1) * D);
    let h = tf.tidy(() => tf.tile(tf.add(tf.matMul(tf.tensor2d(feat, [1, D]), p.W_proj), p.b_proj), [k, 1]));
    let c = tf.zeros([k, H]);
    let score = new Float64Array(k).fill(-Infinity);
    score[0] = 0;
    let done = new Uint8Array(k);
    let seqs = Array.from({ length: k }, () => new Int32Array(maxLength));
    let words = new Int32Array(k).fill(START);
    for (let s = 0; s < maxLength; s++) {
      const [hn, cn, logp] = tf.tidy(() => {
        const x = tf.gather(p.W_embed, tf.tensor1d(words, 'int32'));
        const a = tf.add(tf.add(tf.matMul(x, p.Wx), tf.matMul(h, p.Wh)), p.b);
        let h2, c2 = c;
        if (cell === 'rnn') {
          h2 = tf.tanh(a);
        } else {
          const [ai, af, ao, ag] = tf.split(a, 4, 1);
          c2 = tf.add(tf.mul(tf.sigmoid(af), c), tf.mul(tf.sigmoid(ai), tf.tanh(ag)));
          h2 = tf.mul(tf.sigmoid(ao), tf.tanh(c2));
        }
        return [h2, c2 === c ? tf.clone(c) : c2, tf.logSoftmax(tf.add(tf.matMul(h2, p.W_vocab), p.b_vocab))];
      });
      const lp = logp.dataSync();
      logp.dispose();
      const cand = [];
      for (let j = 0; j < k; j++) {
        if (score[j] === -Infinity) continue;
        if (done[j]) { cand.push([score[j], j, -1]); continue; }
        for (let v = 0; v < V; v++) cand.push([score[j] + lp[j * V + v], j, v]);
      }
      cand.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
      const top = cand.slice(0, k);
      while (top.length < k) top.push([-Infinity, 0, -1]);
      const from = top.map((t) => t[1]);
      seqs = top.map(([, j, w]) => { const q = seqs[j].slice(); if (w >= 0) q[s] = w; return q; });
      score = Float64Array.from(top, (t) => t[0]);
      done = Uint8Array.from(top, ([, j, w]) => (w < 0 || w === END ? 1 : 0));
      words = Int32Array.from(top, ([, , w]) => (w >= 0 ? w : 0));
      const idx = tf.tensor1d(from, 'int32');
      const h3 = tf.gather(hn, idx), c3 = tf.gather(cn, idx);
      idx.dispose(); hn.dispose(); cn.dispose(); h.dispose(); c.dispose();
      h = h3; c = c3;
      if (done.every((d) => d === 1)) break;
    }
    h.dispose(); c.dispose();
    return seqs[0];
  }

  function dispose() {
    for (const k of names) {
      p[k].dispose(); m[k].dispose(); v[k].dispose();
    }
  }

  return { step, sample, sampleOne, dispose };
}
