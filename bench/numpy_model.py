#!/usr/bin/env python3
"""numpy peer of the recap benchmark: the CS231n assignment-3 CaptioningRNN, written the way
the assignment writes it (rnn_layers.py step functions looped over time, np.add.at for the
embedding gradient, the numerically stable CS231n sigmoid, optim.py's assignment-3 Adam,
CaptioningSolver._step), in float32 or float64, plus sgemm timings.

Protocol (driven by bench/run.mjs): one JSON object per line on stdin, one JSON reply per line
on stdout. Every time is measured here with time.perf_counter, around the measured work only.

  {"cmd": "info"}                                      -> versions, BLAS library, core, threads
  {"cmd": "sgemm", "M","N","K","form","dtype","inner"} -> {"seconds": per-call time of `inner` calls}
  {"cmd": "setup", "key", "cell","dtype","N","T","D","W","H","V","seed"}  -> {"ok": true}
  {"cmd": "step", "key"}                               -> {"seconds", "loss"}   one solver step
  {"cmd": "sample", "key", "maxLength"}                -> {"seconds"}           greedy sampling
  {"cmd": "sample_one", "key", "maxLength", "beamSize"} -> {"seconds"}          one image: greedy or beam search
  {"cmd": "drop", "key"}                               -> frees a model
  {"cmd": "quit"}

`python3 numpy_model.py --memrun '{"cell":..., "steps":...}'` runs a training run in a fresh
process and prints its peak RSS (for the memory table).
"""
import ctypes
import json
import os
import resource
import sys
import time

import numpy as np

# ---------------------------------------------------------------- rnn_layers.py (CS231n)


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h * next_h)
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    cache = []
    prev_h = h0
    for t in range(T):
        prev_h, c = rnn_step_forward(x[:, t, :], prev_h, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, H), dtype=dh.dtype)
    dWh = np.zeros((H, H), dtype=dh.dtype)
    db = np.zeros(H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dprev_h, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def sigmoid(x):
    """A numerically stable version of the logistic sigmoid function (CS231n)."""
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)
    di = dc * g
    df = dc * prev_c
    do = dnext_h * tanh_c
    dg = dc * i
    da = np.hstack((di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g * g)))
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dprev_c = dc * f
    dWx = x.T.dot(da)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    prev_h = h0
    prev_c = np.zeros_like(h0)
    cache = []
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        cache.append(c)
    return h, cache


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros((D, 4 * H), dtype=dh.dtype)
    dWh = np.zeros((H, 4 * H), dtype=dh.dtype)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx_t, dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, cache[t])
        dx[:, t, :] = dx_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    M = b.shape[0]
    out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b
    return out, (x, w, b, out)


def temporal_affine_backward(dout, cache):
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = dout.reshape(N * T, M).T.dot(x.reshape(N * T, D)).T
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


def temporal_softmax_loss(x, y, mask):
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    return loss, dx_flat.reshape(N, T, V)


# ---------------------------------------------------------------- classifiers/rnn.py


class CaptioningRNN:
    def __init__(self, word_to_idx, input_dim, wordvec_dim, hidden_dim, cell_type, dtype, seed):
        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        vocab_size = len(word_to_idx)
        self._null = word_to_idx['<NULL>']
        self._start = word_to_idx['<START>']
        self._end = word_to_idx.get('<END>')
        rng = np.random.RandomState(seed)
        G = {'lstm': 4, 'rnn': 1}[cell_type] * hidden_dim
        p = {}
        p['W_embed'] = rng.randn(vocab_size, wordvec_dim) / 100
        p['W_proj'] = rng.randn(input_dim, hidden_dim) / np.sqrt(input_dim)
        p['b_proj'] = np.zeros(hidden_dim)
        p['Wx'] = rng.randn(wordvec_dim, G) / np.sqrt(wordvec_dim)
        p['Wh'] = rng.randn(hidden_dim, G) / np.sqrt(hidden_dim)
        p['b'] = np.zeros(G)
        p['W_vocab'] = rng.randn(hidden_dim, vocab_size) / np.sqrt(hidden_dim)
        p['b_vocab'] = np.zeros(vocab_size)
        self.params = {k: v.astype(dtype) for k, v in p.items()}

    def loss(self, features, captions):
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null
        P = self.params
        h0, cache_proj = affine_forward(features, P['W_proj'], P['b_proj'])
        x, cache_embed = word_embedding_forward(captions_in, P['W_embed'])
        if self.cell_type == 'rnn':
            h, cache_rnn = rnn_forward(x, h0, P['Wx'], P['Wh'], P['b'])
        else:
            h, cache_rnn = lstm_forward(x, h0, P['Wx'], P['Wh'], P['b'])
        scores, cache_vocab = temporal_affine_forward(h, P['W_vocab'], P['b_vocab'])
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

        grads = {}
        dh, grads['W_vocab'], grads['b_vocab'] = temporal_affine_backward(dscores, cache_vocab)
        if self.cell_type == 'rnn':
            dx, dh0, grads['Wx'], grads['Wh'], grads['b'] = rnn_backward(dh, cache_rnn)
        else:
            dx, dh0, grads['Wx'], grads['Wh'], grads['b'] = lstm_backward(dh, cache_rnn)
        grads['W_embed'] = word_embedding_backward(dx, cache_embed)
        _, grads['W_proj'], grads['b_proj'] = affine_backward(dh0, cache_proj)
        return loss, grads

    def sample(self, features, max_length=30):
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)
        P = self.params
        h, _ = affine_forward(features, P['W_proj'], P['b_proj'])
        c = np.zeros_like(h)
        word = self._start * np.ones(N, dtype=np.int32)
        for t in range(max_length):
            x, _ = word_embedding_forward(word, P['W_embed'])
            if self.cell_type == 'rnn':
                h, _ = rnn_step_forward(x, h, P['Wx'], P['Wh'], P['b'])
            else:
                h, c, _ = lstm_step_forward(x, h, c, P['Wx'], P['Wh'], P['b'])
            scores, _ = affine_forward(h, P['W_vocab'], P['b_vocab'])
            word = np.argmax(scores, axis=1)
            captions[:, t] = word
        return captions

    def sample_beam(self, features, max_length=30, beam_size=3):
        """Beam search of width k per image, written the plain numpy way: summed log-probabilities,
        a beam that emits <END> is finished and competes with the live beams as it is, stop when
        every beam has finished. Returns the best caption per image."""
        N, k = features.shape[0], beam_size
        P = self.params
        captions = self._null * np.ones((N, max_length), dtype=np.int32)
        for n in range(N):
            h, _ = affine_forward(features[n:n + 1], P['W_proj'], P['b_proj'])
            h = np.repeat(h, k, axis=0)
            c = np.zeros_like(h)
            score = np.full(k, -np.inf)
            score[0] = 0.0
            done = np.zeros(k, dtype=bool)
            seqs = self._null * np.ones((k, max_length), dtype=np.int32)
            word = self._start * np.ones(k, dtype=np.int32)
            for t in range(max_length):
                x, _ = word_embedding_forward(word, P['W_embed'])
                if self.cell_type == 'rnn':
                    h, _ = rnn_step_forward(x, h, P['Wx'], P['Wh'], P['b'])
                else:
                    h, c, _ = lstm_step_forward(x, h, c, P['Wx'], P['Wh'], P['b'])
                scores, _ = affine_forward(h, P['W_vocab'], P['b_vocab'])
                shifted = scores - scores.max(axis=1, keepdims=True)
                logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
                V = logp.shape[1]
                cand = score[:, None] + logp  # (k, V): extensions of the live beams
                cand[done] = -np.inf
                carried = np.where(done, score, -np.inf)  # (k): finished beams as they are
                flat = np.concatenate([cand.ravel(), carried])
                best = np.argsort(-flat, kind='stable')[:k]
                beam = np.where(best < k * V, best // V, best - k * V)
                new_word = np.where(best < k * V, best % V, -1)
                seqs = seqs[beam]
                seqs[new_word >= 0, t] = new_word[new_word >= 0]
                score = flat[best]
                done = done[beam] | (new_word == self._end) | (new_word < 0)
                word = np.where(new_word >= 0, new_word, self._null).astype(np.int32)
                h, c = h[beam], c[beam]
                if done.all():
                    break
            captions[n] = seqs[0]
        return captions


# ---------------------------------------------------------------- optim.py (assignment 3) and the solver step


def adam(x, dx, config):
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('m', np.zeros_like(x))
    config.setdefault('v', np.zeros_like(x))
    config.setdefault('t', 0)
    learning_rate, beta1, beta2, eps = config['learning_rate'], config['beta1'], config['beta2'], config['epsilon']
    m, v, t = config['m'], config['v'], config['t']
    t += 1
    m = beta1 * m + (1 - beta1) * dx
    v = beta2 * v + (1 - beta2) * (dx ** 2)
    # float(): under numpy >= 2 (NEP 50) the np.float64 scalar from np.sqrt would silently promote
    # float32 parameters to float64 after the first step; numpy 1.x kept them float32.
    alpha = float(learning_rate * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t))
    next_x = x - alpha * (m / (np.sqrt(v) + eps))
    config['m'], config['v'], config['t'] = m, v, t
    return next_x, config


def synthetic_data(N, T, D, V, dtype, seed, num_captions=1000, num_images=200):
    """Same distribution as bench/run.mjs's: <START>, 5..T-1 words in [3,V), <END>, <NULL> padding."""
    rng = np.random.RandomState(seed)
    L = T + 1
    caps = np.zeros((num_captions, L), dtype=np.int32)
    for n in range(num_captions):
        k = rng.randint(min(5, T - 1), T) if T > 2 else 0
        caps[n, 0] = 1
        caps[n, 1:1 + k] = rng.randint(3, V, size=k)
        if 1 + k < L:
            caps[n, 1 + k] = 2
    feats = rng.randn(num_images, D).astype(dtype)
    idxs = rng.randint(num_images, size=num_captions).astype(np.int32)
    return caps, idxs, feats


class Bench:
    """A model, its data and per-parameter Adam configs: CaptioningSolver._step, minus printing."""

    def __init__(self, cell, dtype, N, T, D, W, H, V, seed):
        dt = np.float32 if dtype == 'float32' else np.float64
        word_to_idx = {'<NULL>': 0, '<START>': 1, '<END>': 2}
        for i in range(3, V):
            word_to_idx['w%d' % i] = i
        self.model = CaptioningRNN(word_to_idx, D, W, H, cell, dt, seed)
        self.caps, self.idxs, self.feats = synthetic_data(N, T, D, V, dt, seed)
        self.N = N
        self.it = 0
        self.optim_configs = {p: {'learning_rate': 1e-3} for p in self.model.params}

    def step(self):
        # sample_coco_minibatch with fixed rows (the same rows every implementation uses)
        rows = (np.arange(self.N) + self.it * self.N) % self.caps.shape[0]
        captions = self.caps[rows]
        features = self.feats[self.idxs[rows]]
        loss, grads = self.model.loss(features, captions)
        for p, w in self.model.params.items():
            next_w, next_config = adam(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config
        self.it += 1
        return float(loss)

    def sample(self, max_length):
        features = self.feats[self.idxs[np.arange(self.N) % self.caps.shape[0]]]
        return self.model.sample(features, max_length)

    def sample_one(self, max_length, beam_size):
        """One image's caption (the first image): greedy (beam_size 1) or beam search."""
        features = self.feats[self.idxs[:1]]
        if beam_size == 1:
            return self.model.sample(features, max_length)
        return self.model.sample_beam(features, max_length, beam_size)


# ---------------------------------------------------------------- BLAS introspection


def blas_info():
    info = {'numpy': np.__version__, 'python': sys.version.split()[0],
            'OPENBLAS_NUM_THREADS': os.environ.get('OPENBLAS_NUM_THREADS'),
            'OPENBLAS_CORETYPE': os.environ.get('OPENBLAS_CORETYPE'),
            'OPENBLAS_L2_SIZE': os.environ.get('OPENBLAS_L2_SIZE')}
    try:
        import threadpoolctl  # noqa: F401
        info['threadpoolctl'] = threadpoolctl.__version__
        info['threadpool_info'] = threadpoolctl.threadpool_info()
    except Exception:
        info['threadpoolctl'] = None
    try:
        cfg = np.show_config(mode='dicts')
        blas = cfg.get('Build Dependencies', {}).get('blas', {})
        info['blas_name'] = blas.get('name')
        info['blas_version'] = blas.get('version')
        info['blas_config'] = blas.get('openblas configuration')
    except Exception as e:  # pragma: no cover
        info['blas_config_error'] = str(e)
    # the loaded OpenBLAS: which core kernel it dispatched to at run time, and its thread count
    try:
        np.ones((4, 4)).dot(np.ones((4, 4)))
        libs = []
        with open('/proc/self/maps') as f:
            for line in f:
                path = line.split()[-1]
                if 'openblas' in os.path.basename(path).lower() and '.so' in path and path not in libs:
                    libs.append(path)
        names = [('scipy_openblas_get_corename64_', 'scipy_openblas_get_num_threads64_', 'scipy_openblas_get_config64_'),
                 ('scipy_openblas_get_corename', 'scipy_openblas_get_num_threads', 'scipy_openblas_get_config'),
                 ('openblas_get_corename64_', 'openblas_get_num_threads64_', 'openblas_get_config64_'),
                 ('openblas_get_corename', 'openblas_get_num_threads', 'openblas_get_config')]
        for path in libs:
            lib = ctypes.CDLL(path)
            for corename, nthreads, config in names:
                if not hasattr(lib, corename):
                    continue
                info['blas_library'] = os.path.basename(path)
                f = getattr(lib, corename)
                f.restype = ctypes.c_char_p
                info['blas_corename'] = f().decode()
                if hasattr(lib, nthreads):
                    g = getattr(lib, nthreads)
                    g.restype = ctypes.c_int
                    info['blas_threads'] = g()
                if hasattr(lib, config):
                    g = getattr(lib, config)
                    g.restype = ctypes.c_char_p
                    info['blas_runtime_config'] = g().decode()
                break
            if 'blas_corename' in info:
                break
    except Exception as e:  # pragma: no cover
        info['blas_probe_error'] = str(e)
    return info


# ---------------------------------------------------------------- sgemm


_gemm = {}


def sgemm(M, N, K, form, dtype, inner):
    key = (M, N, K, form, dtype)
    if key not in _gemm:
        rng = np.random.RandomState(0)
        dt = np.float32 if dtype == 'float32' else np.float64
        a = rng.randn(*((M, K) if form != 'tn' else (K, M))).astype(dt)
        b = rng.randn(*((K, N) if form != 'nt' else (N, K))).astype(dt)
        c = np.empty((M, N), dtype=dt)
        A = a.T if form == 'tn' else a   # views: numpy passes the transposition flag to BLAS
        B = b.T if form == 'nt' else b
        _gemm.clear()
        _gemm[key] = (A, B, c)
    A, B, c = _gemm[key]
    t0 = time.perf_counter()
    for _ in range(inner):
        np.matmul(A, B, out=c)
    return (time.perf_counter() - t0) / inner


def current_rss_bytes():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def memrun(spec):
    np.ones((64, 64), dtype=np.float32).dot(np.ones((64, 64), dtype=np.float32))  # BLAS initialised
    try:
        before = current_rss_bytes()
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    b = Bench(spec['cell'], spec['dtype'], spec['N'], spec['T'], spec['D'], spec['W'], spec['H'], spec['V'], 0)
    for _ in range(spec['steps']):
        b.step()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({'maxRssBytes': after * 1024, 'rssBeforeModelBytes': before}))


def serve():
    benches = {}
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        cmd = req['cmd']
        try:
            if cmd == 'info':
                res = blas_info()
            elif cmd == 'sgemm':
                res = {'seconds': sgemm(req['M'], req['N'], req['K'], req['form'], req.get('dtype', 'float32'), req['inner'])}
            elif cmd == 'setup':
                benches[req['key']] = Bench(req['cell'], req['dtype'], req['N'], req['T'], req['D'], req['W'], req['H'], req['V'], req.get('seed', 0))
                res = {'ok': True}
            elif cmd == 'step':
                b = benches[req['key']]
                t0 = time.perf_counter()
                loss = b.step()
                res = {'seconds': time.perf_counter() - t0, 'loss': loss, 'paramDtype': str(b.model.params['Wx'].dtype)}
            elif cmd == 'sample':
                b = benches[req['key']]
                t0 = time.perf_counter()
                b.sample(req['maxLength'])
                res = {'seconds': time.perf_counter() - t0}
            elif cmd == 'sample_one':
                b = benches[req['key']]
                t0 = time.perf_counter()
                b.sample_one(req['maxLength'], req['beamSize'])
                res = {'seconds': time.perf_counter() - t0}
            elif cmd == 'drop':
                benches.pop(req['key'], None)
                res = {'ok': True}
            elif cmd == 'quit':
                out.write(json.dumps({'ok': True}) + '\n')
                out.flush()
                return
            else:
                res = {'error': 'unknown command %r' % cmd}
        except Exception as e:
            res = {'error': '%s: %s' % (type(e).__name__, e)}
        out.write(json.dumps(res) + '\n')
        out.flush()


if __name__ == '__main__':
    if len(sys.argv) > 2 and sys.argv[1] == '--memrun':
        memrun(json.loads(sys.argv[2]))
    else:
        serve()
