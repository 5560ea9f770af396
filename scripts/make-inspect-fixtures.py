#!/usr/bin/env python3
"""Float64 references for recap's inspection tools (src/inspect/), composed from the CS231n step
functions (rnn_layers.py) in numpy, independently of recap's code:

  gradient flow   backward through time step by step: ||dL/dh_t||, ||dL/dc_t|| (whole loss and last term)
  Jacobians       the state Jacobian of every step built explicitly, sigma_max by np.linalg.svd; ||Wh||_2
  gate stats      saturation fractions (< 0.1, > 0.9; tanh units < -0.8, > 0.8) over the unmasked steps
  activations     the forward pass of one caption
  attribution     grad x input and integrated gradients (zero baseline, composite Simpson's rule)

Writes test/fixtures/inspect/{rnn,lstm}.json. Run: /usr/bin/python3 scripts/make-inspect-fixtures.py
"""
import json
import os

import numpy as np

WORDS = ['<NULL>', '<START>', '<END>', 'a', 'red', 'blue', 'circle', 'square', 'left']
N, T, D, W, H = 3, 6, 6, 4, 5
V = len(WORDS)
IG_STEPS = 16


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---- CS231n rnn_layers.py

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    Hh = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sigmoid(a[:, :Hh]), sigmoid(a[:, Hh:2 * Hh]), sigmoid(a[:, 2 * Hh:3 * Hh])
    g = np.tanh(a[:, 3 * Hh:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.hstack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o), dc * i * (1 - g ** 2)])
    return da @ Wx.T, da @ Wh.T, dc * f, dc


def temporal_softmax_loss(x, y, mask):
    n, t, v = x.shape
    xf, yf, mf = x.reshape(n * t, v), y.reshape(n * t), mask.reshape(n * t)
    p = np.exp(xf - xf.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.sum(mf * np.log(p[np.arange(n * t), yf])) / n
    dx = p.copy()
    dx[np.arange(n * t), yf] -= 1
    dx *= mf[:, None] / n
    return loss, dx.reshape(n, t, v)


# ---- the model

def forward(P, cell, feats, xs):
    """feats (n,D), xs (n,t,W) word vectors: states and step caches."""
    n, t = xs.shape[:2]
    h = feats @ P['W_proj'] + P['b_proj']
    c = np.zeros_like(h)
    hs, cs, caches = [], [], []
    for s in range(t):
        if cell == 'rnn':
            h, cache = rnn_step_forward(xs[:, s], h, P['Wx'], P['Wh'], P['b'])
        else:
            h, c, cache = lstm_step_forward(xs[:, s], h, c, P['Wx'], P['Wh'], P['b'])
        hs.append(h)
        cs.append(c)
        caches.append(cache)
    return np.stack(hs, 1), np.stack(cs, 1), caches


def backward_totals(P, cell, caches, dh_out):
    """Total gradients at every h_t and c_t, the word vectors and h0 given dL/dh_t through the scores."""
    n, t, _ = dh_out.shape
    g = dh_out[:, t - 1].copy()
    gc = np.zeros((n, H))
    dhs, dcs, dxs = [None] * t, [None] * t, [None] * t
    for s in range(t - 1, -1, -1):
        dhs[s] = g.copy()
        if cell == 'rnn':
            dxs[s], prev = rnn_step_backward(g, caches[s])
        else:
            dxs[s], prev, gc, dcs[s] = lstm_step_backward(g, gc, caches[s])
        g = prev + (dh_out[:, s - 1] if s > 0 else 0)
    return dhs, dcs, np.stack(dxs, 1), g


def state_jacobian(P, cell, cache):
    """d s_t / d s_{t-1} per row, column-vector convention (s = h, or [h; c])."""
    Wh = P['Wh']
    if cell == 'rnn':
        next_h = cache[4]
        return [np.diag(1 - next_h[r] ** 2) @ Wh.T for r in range(next_h.shape[0])]
    x, prev_h, prev_c, Wx, _, i, f, o, g, next_c = cache
    out = []
    for r in range(i.shape[0]):
        Wi, Wf, Wo, Wg = (Wh[:, k * H:(k + 1) * H].T for k in range(4))
        di, df, do = i[r] * (1 - i[r]), f[r] * (1 - f[r]), o[r] * (1 - o[r])
        dg = 1 - g[r] ** 2
        tc = np.tanh(next_c[r])
        dc_dh = np.diag(prev_c[r] * df) @ Wf + np.diag(g[r] * di) @ Wi + np.diag(i[r] * dg) @ Wg
        dc_dc = np.diag(f[r])
        dh_dh = np.diag(tc * do) @ Wo + np.diag(o[r] * (1 - tc ** 2)) @ dc_dh
        dh_dc = np.diag(o[r] * (1 - tc ** 2)) @ dc_dc
        out.append(np.block([[dh_dh, dh_dc], [dc_dh, dc_dc]]))
    return out


def gradient_flow(P, cell, feats, caps, which):
    cin, cout = caps[:, :-1], caps[:, 1:]
    mask = (cout != 0).astype(float)
    if which == 'last':
        mask[:, :-1] = 0
    hs, cs, caches = forward(P, cell, feats, P['W_embed'][cin])
    scores = hs @ P['W_vocab'] + P['b_vocab']
    loss, dscores = temporal_softmax_loss(scores, cout, mask)
    dhs, dcs, _, _ = backward_totals(P, cell, caches, dscores @ P['W_vocab'].T)
    out = {'loss': loss, 'dh': [float(np.linalg.norm(d)) for d in dhs]}
    if cell == 'lstm':
        out['dc'] = [float(np.linalg.norm(d)) for d in dcs]
    if which == 'all':
        sig = [np.mean([np.linalg.svd(J, compute_uv=False)[0] for J in state_jacobian(P, cell, caches[s])]) for s in range(1, T)]
        out['jacobianNorm'] = [float(v) for v in sig]
        out['whNorm'] = float(np.linalg.svd(P['Wh'], compute_uv=False)[0])
    return out


def gate_stats(P, cell, feats, caps):
    cin, cout = caps[:, :-1], caps[:, 1:]
    hs, _, caches = forward(P, cell, feats, P['W_embed'][cin])
    m = (cout != 0)
    if cell == 'rnn':
        v = hs[m]
        return {'h': {'left': (v < -0.8).mean(0).tolist(), 'right': (v > 0.8).mean(0).tolist()}, 'steps': int(m.sum())}
    out = {'steps': int(m.sum())}
    for k, name in enumerate(['i', 'f', 'o']):
        v = np.stack([cache[5 + k] for cache in caches], 1)[m]
        out[name] = {'left': (v < 0.1).mean(0).tolist(), 'right': (v > 0.9).mean(0).tolist()}
    return out


def activations(P, cell, feat, cap):
    hs, cs, caches = forward(P, cell, feat, P['W_embed'][cap[:, :-1]])
    out = {'h': hs[0].ravel().tolist()}
    if cell == 'lstm':
        out['c'] = cs[0].ravel().tolist()
        for k, name in enumerate(['i', 'f', 'o', 'g']):
            out[name] = np.stack([cache[5 + k][0] for cache in caches]).ravel().tolist()
    return out


def log_prob_grads(P, cell, feat, xs, t, y):
    """log p_t(y) and its gradient with respect to the features (D) and the word vectors (t+1, W)."""
    hs, _, caches = forward(P, cell, feat, xs[:, :t + 1])
    s = hs[0, t] @ P['W_vocab'] + P['b_vocab']
    p = np.exp(s - s.max())
    p /= p.sum()
    dscores = -p
    dscores[y] += 1
    dh_out = np.zeros((1, t + 1, H))
    dh_out[0, t] = dscores @ P['W_vocab'].T
    _, _, dxs, dh0 = backward_totals(P, cell, caches, dh_out)
    return float(np.log(p[y])), (dh0 @ P['W_proj'].T)[0], dxs[0]


def attribution(P, cell, feat, cap, steps):
    xs = P['W_embed'][cap[:, :-1]]
    ys = cap[0, 1:]
    fa, wa, lp, lp0 = np.zeros((T, D)), np.zeros((T, T)), [], []
    if steps == 0:
        nodes = [(1.0, 1.0)]
    else:
        nodes = [(k / steps, (1 if k in (0, steps) else 4 if k % 2 else 2) / (3 * steps)) for k in range(steps + 1)]
    for t in range(T):
        gf, gx = np.zeros(D), np.zeros((t + 1, W))
        for alpha, w in nodes:
            val, df, dx = log_prob_grads(P, cell, alpha * feat, alpha * xs, t, ys[t])
            gf += w * df
            gx += w * dx
            if alpha == 1.0:
                lp.append(val)
            if alpha == 0.0:
                lp0.append(val)
        fa[t] = feat[0] * gf
        wa[t, :t + 1] = (xs[0, :t + 1] * gx).sum(1)
    return {'features': fa.ravel().tolist(), 'words': wa.ravel().tolist(), 'logProb': lp, 'baselineLogProb': lp0}


def make(cell, seed):
    rng = np.random.RandomState(seed)
    G = 4 * H if cell == 'lstm' else H
    P = {
        'W_proj': rng.randn(D, H) * 0.6, 'b_proj': rng.randn(H) * 0.2,
        'W_embed': rng.randn(V, W) * 0.8,
        'Wx': rng.randn(W, G) * 0.7, 'Wh': rng.randn(H, G) * 0.6, 'b': rng.randn(G) * 0.5,
        'W_vocab': rng.randn(H, V) * 0.7, 'b_vocab': rng.randn(V) * 0.1,
    }
    if cell == 'lstm':  # some saturated gates: strongly biased forget and output gates in a few units
        P['b'][H:H + 2] += 4
        P['b'][2 * H + 3] -= 4
    feats = rng.randn(N, D)
    caps = np.array([
        [1, 3, 4, 6, 8, 7, 2],
        [1, 3, 5, 7, 2, 0, 0],
        [1, 4, 6, 2, 0, 0, 0],
    ], dtype=np.int32)
    return {
        'cell': cell, 'N': N, 'T': T, 'D': D, 'W': W, 'H': H,
        'wordToIdx': {w: k for k, w in enumerate(WORDS)},
        'params': {k: {'shape': list(v.shape), 'data': v.ravel().tolist()} for k, v in P.items()},
        'features': feats.ravel().tolist(), 'captions': caps.ravel().tolist(),
        'gradientFlow': {'all': gradient_flow(P, cell, feats, caps, 'all'), 'last': gradient_flow(P, cell, feats, caps, 'last')},
        'gateStats': gate_stats(P, cell, feats, caps),
        'activations': activations(P, cell, feats[:1], caps[:1]),
        'attribution': {'gradInput': attribution(P, cell, feats[:1], caps[:1], 0),
                        'integrated': attribution(P, cell, feats[:1], caps[:1], IG_STEPS), 'steps': IG_STEPS},
    }


def main():
    out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'inspect')
    os.makedirs(out, exist_ok=True)
    for cell, seed in (('rnn', 1), ('lstm', 2)):
        with open(os.path.join(out, f'{cell}.json'), 'w') as fh:
            json.dump(make(cell, seed), fh)
            fh.write('\n')


if __name__ == '__main__':
    main()
