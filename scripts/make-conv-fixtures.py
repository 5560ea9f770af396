#!/usr/bin/env python3
"""Writes test/fixtures/conv/*.json: reference vectors for layers.convForward/Backward,
maxPoolForward/Backward, reluForward/Backward and spatialBatchnormForward/Backward, read by
test/ops/conv.test.ts, pool.test.ts and batchnorm.test.ts. The tests never run Python; re-run
this script (python3 + numpy) only to change the fixtures:

    python3 scripts/make-conv-fixtures.py

The layers below transcribe CS231n assignment 2's naive layers (cs231n/layers.py:
conv_forward_naive, max_pool_forward_naive, relu_forward, batchnorm_forward and
spatial_batchnorm_forward through it) and the usual solutions of their backward passes, loop for
loop, in float64. Each case also records the scale-relative error the same code shows when it
runs in float32 (float32_scale_relative_error_observed), from which the tests take their float32
tolerance. Ties in max pooling go to the first maximum in row-major order (numpy's argmax),
in both passes.
"""
import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'conv')
SOURCE = 'CS231n assignment 2 cs231n/layers.py naive layers, transcribed in scripts/make-conv-fixtures.py'


# ---- the layers (float64 or float32 throughout: every array takes x's dtype) ----------------

def conv_forward_naive(x, w, b, conv_param):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param['stride'], conv_param['pad']
    assert (H + 2 * pad - HH) % stride == 0 and (W + 2 * pad - WW) % stride == 0
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def conv_backward_naive(dout, x, w, conv_param):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param['stride'], conv_param['pad']
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    hs, ws = i * stride, j * stride
                    dw[f] += x_pad[n, :, hs:hs + HH, ws:ws + WW] * dout[n, f, i, j]
                    dx_pad[n, :, hs:hs + HH, ws:ws + WW] += w[f] * dout[n, f, i, j]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    N, C, H, W = x.shape
    ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    out[n, c, i, j] = np.max(x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw])
    return out


def max_pool_backward_naive(dout, x, pool_param):
    N, C, H, W = x.shape
    ph, pw, stride = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
                    a, b = np.unravel_index(np.argmax(window), window.shape)  # the first maximum
                    dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]
    return dx


def relu_forward(x):
    return np.maximum(0, x)


def relu_backward(dout, x):
    return dout * (x > 0)


def batchnorm_forward(x, gamma, beta, bn_param):
    """cs231n batchnorm_forward; bn_param is updated with the running statistics."""
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))
    if mode == 'train':
        sample_mean = x.mean(axis=0)
        sample_var = x.var(axis=0)
        x_hat = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_hat + beta
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
        cache = (mode, x, x_hat, sample_mean, sample_var, gamma, eps)
    else:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
        cache = (mode, x, x_hat, running_mean, running_var, gamma, eps)
    bn_param['running_mean'] = running_mean.astype(x.dtype)
    bn_param['running_var'] = running_var.astype(x.dtype)
    return out, cache


def batchnorm_backward(dout, cache):
    """The computational-graph backward (cs231n batchnorm_backward); test mode: running stats constant."""
    mode, x, x_hat, mean, var, gamma, eps = cache
    N = x.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    inv_std = 1 / np.sqrt(var + eps)
    if mode == 'test':
        return dx_hat * inv_std, dgamma, dbeta
    xmu = x - mean
    divar = (dx_hat * xmu).sum(axis=0)
    dxmu1 = dx_hat * inv_std
    dsqrtvar = -1 / (var + eps) * divar
    dvar = 0.5 * inv_std * dsqrtvar
    dsq = np.ones_like(x) / N * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(axis=0)
    dx2 = np.ones_like(x) / N * dmu
    return dx1 + dx2, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta


# ---- cases ------------------------------------------------------------------------------------

def arr(a):
    a = np.asarray(a)
    return {'shape': list(a.shape), 'dtype': 'float64', 'data': [float(v) for v in a.astype(np.float64).ravel()]}


def scale_rel(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    scale = np.max(np.abs(want)) if want.size else 0.0
    diff = np.max(np.abs(got - want)) if want.size else 0.0
    return float(diff / scale) if scale > 0 else float(diff)


def case(name, source, run, inputs, params=None):
    """run(inputs as dtype) -> dict of outputs; records float64 outputs and float32's error."""
    out64 = run({k: np.asarray(v, np.float64) for k, v in inputs.items()})
    out32 = run({k: np.asarray(v, np.float32) for k, v in inputs.items()})
    c = {'name': name, 'source': source}
    if params is not None:
        c['params'] = params
    c['inputs'] = {k: arr(v) for k, v in inputs.items()}
    c['outputs'] = {k: arr(v) for k, v in out64.items()}
    c['float32_scale_relative_error_observed'] = {k: scale_rel(out32[k], out64[k]) for k in out64}
    return c


def conv_case(name, source, x, w, b, dout, stride, pad):
    p = {'stride': stride, 'pad': pad}

    def run(i):
        out = conv_forward_naive(i['x'], i['w'], i['b'], p)
        dx, dw, db = conv_backward_naive(i['dout'], i['x'], i['w'], p)
        return {'out': out, 'dx': dx, 'dw': dw, 'db': db}
    return case(name, source, run, {'x': x, 'w': w, 'b': b, 'dout': dout}, p)


def conv_cases():
    cases = []
    # the notebook's forward check (ConvolutionalNetworks.ipynb, "Convolution: Naive forward pass")
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    dout = np.linspace(-1, 1, num=2 * 3 * 2 * 2).reshape(2, 3, 2, 2)
    c = conv_case('notebook_linspace', 'ConvolutionalNetworks.ipynb conv_forward_naive check (x, w, b linspace; stride 2, pad 1); dout linspace(-1, 1)',
                  x, w, b, dout, 2, 1)
    c['notebook_correct_out'] = [[[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                                  [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                                  [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
                                 [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                                  [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                                  [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]]
    assert np.allclose(c['outputs']['out']['data'], np.ravel(c['notebook_correct_out']), atol=1e-8)
    cases.append(c)
    # the notebook's backward check (seed 231: x, w, b, dout = randn in that order; stride 1, pad 1)
    rs = np.random.RandomState(231)
    x, w, b, dout = rs.randn(4, 3, 5, 5), rs.randn(2, 3, 3, 3), rs.randn(2), rs.randn(4, 2, 5, 5)
    cases.append(conv_case('notebook_seed231_backward', 'ConvolutionalNetworks.ipynb conv_backward_naive check (seed 231; stride 1, pad 1)',
                           x, w, b, dout, 1, 1))
    rs = np.random.RandomState(17)
    shapes = [  # name, x shape, (F, HH, WW), stride, pad
        ('1x1_stride1_pad0', (2, 5, 4, 6), (7, 1, 1), 1, 0),
        ('1x1_stride2_pad0', (2, 3, 5, 7), (4, 1, 1), 2, 0),
        ('1x1_stride1_pad1', (1, 3, 3, 4), (2, 1, 1), 1, 1),
        ('7x7_stride2_pad3', (2, 3, 11, 13), (4, 7, 7), 2, 3),
        ('7x7_stride1_pad0', (1, 2, 9, 8), (3, 7, 7), 1, 0),
        ('3x3_stride1_pad0', (2, 2, 5, 6), (3, 3, 3), 1, 0),
        ('3x3_stride1_pad2', (2, 3, 5, 5), (2, 3, 3), 1, 2),
        ('3x3_stride1_pad3', (1, 2, 4, 4), (3, 3, 3), 1, 3),
        ('3x3_stride2_pad0', (2, 3, 7, 9), (5, 3, 3), 2, 0),
        ('5x5_stride2_pad2', (1, 3, 9, 7), (4, 5, 5), 2, 2),
        ('odd_2x3_stride1_pad1', (3, 5, 6, 5), (7, 2, 3), 1, 1),
        ('3x3_stride3_pad1', (2, 2, 7, 10), (3, 3, 3), 3, 1),
        ('wide_F9_3x3_stride1_pad1', (2, 4, 10, 10), (9, 3, 3), 1, 1),
    ]
    for name, xs, (F, HH, WW), stride, pad in shapes:
        C = xs[1]
        Ho, Wo = 1 + (xs[2] + 2 * pad - HH) // stride, 1 + (xs[3] + 2 * pad - WW) // stride
        x, w, b = rs.randn(*xs), rs.randn(F, C, HH, WW), rs.randn(F)
        dout = rs.randn(xs[0], F, Ho, Wo)
        cases.append(conv_case(name, 'RandomState(17) randn, in table order', x, w, b, dout, stride, pad))
    return cases


def pool_case(name, source, x, dout, ph, pw, stride):
    p = {'pool_height': ph, 'pool_width': pw, 'stride': stride}

    def run(i):
        return {'out': max_pool_forward_naive(i['x'], p), 'dx': max_pool_backward_naive(i['dout'], i['x'], p)}
    return case(name, source, run, {'x': x, 'dout': dout}, p)


def pool_cases():
    cases = []
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    c = pool_case('notebook_linspace', 'ConvolutionalNetworks.ipynb max_pool_forward_naive check (linspace; 2x2, stride 2); dout linspace(-1, 1)',
                  x, np.linspace(-1, 1, num=2 * 3 * 2 * 2).reshape(2, 3, 2, 2), 2, 2, 2)
    c['notebook_correct_out'] = [[[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                                  [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                                  [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
                                 [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                                  [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                                  [[0.32631579, 0.34105263], [0.38526316, 0.4]]]]
    assert np.allclose(c['outputs']['out']['data'], np.ravel(c['notebook_correct_out']), atol=1e-8)
    cases.append(c)
    rs = np.random.RandomState(231)
    x, dout = rs.randn(3, 2, 8, 8), rs.randn(3, 2, 4, 4)
    cases.append(pool_case('notebook_seed231_backward', 'ConvolutionalNetworks.ipynb max_pool_backward_naive check (seed 231; 2x2, stride 2)', x, dout, 2, 2, 2))
    rs = np.random.RandomState(5)
    shapes = [  # name, x shape, ph, pw, stride, ties (small integers: many equal maxima)
        ('ties_2x2_stride2', (2, 3, 6, 10), 2, 2, 2, True),
        ('ties_3x3_stride1_overlap', (2, 3, 6, 13), 3, 3, 1, True),
        ('ties_3x2_stride1', (1, 2, 5, 9), 3, 2, 1, True),
        ('ties_all_equal', (1, 1, 4, 9), 2, 2, 1, 'equal'),
        ('3x3_stride2', (2, 2, 7, 15), 3, 3, 2, False),
        ('1x1_stride1', (1, 2, 3, 5), 1, 1, 1, False),
        ('2x3_stride3', (2, 2, 8, 12), 2, 3, 3, False),
        ('whole_plane', (2, 3, 4, 5), 4, 5, 1, False),
    ]
    for name, xs, ph, pw, stride, ties in shapes:
        if ties == 'equal':
            x = np.full(xs, 0.5)
        elif ties:
            x = rs.randint(-1, 2, size=xs).astype(np.float64)
        else:
            x = rs.randn(*xs)
        Ho, Wo = 1 + (xs[2] - ph) // stride, 1 + (xs[3] - pw) // stride
        cases.append(pool_case(name, 'RandomState(5): randint(-1, 2) for ties, else randn; dout randn', x, rs.randn(xs[0], xs[1], Ho, Wo), ph, pw, stride))
    return cases


def relu_cases():
    rs = np.random.RandomState(3)
    x = rs.randn(3, 4, 5)
    x[0, 0, :3] = 0.0
    cases = []
    for name, xi in [('rank3_with_zeros', x), ('rank4', rs.randn(2, 3, 4, 7)), ('rank1', rs.randn(9))]:
        dout = rs.randn(*xi.shape)
        cases.append(case(name, 'RandomState(3) randn (rank3 has exact zeros)',
                          lambda i: {'out': relu_forward(i['x']), 'dx': relu_backward(i['dout'], i['x'])}, {'x': xi, 'dout': dout}))
    return cases


def bn_case(name, source, x, gamma, beta, dout, param, running=None):
    """param: mode, and eps / momentum when not the defaults; running: (mean, var) passed in."""
    inputs = {'x': x, 'gamma': gamma, 'beta': beta, 'dout': dout}
    if running is not None:
        inputs['running_mean'], inputs['running_var'] = running

    def run(i):
        bp = dict(param)
        if running is not None:
            bp['running_mean'], bp['running_var'] = i['running_mean'], i['running_var']
        out, cache = spatial_batchnorm_forward(i['x'], i['gamma'], i['beta'], bp)
        dx, dgamma, dbeta = spatial_batchnorm_backward(i['dout'], cache)
        return {'out': out, 'dx': dx, 'dgamma': dgamma, 'dbeta': dbeta,
                'running_mean': bp['running_mean'], 'running_var': bp['running_var']}
    return case(name, source, run, inputs, param)


def bn_cases():
    cases = []
    # the notebook's spatial batchnorm forward check (seed 231; x = 4·randn + 10, N,C,H,W = 2,3,4,5)
    rs = np.random.RandomState(231)
    N, C, H, W = 2, 3, 4, 5
    x = 4 * rs.randn(N, C, H, W) + 10
    gamma, beta = np.asarray([3.0, 4.0, 5.0]), np.asarray([6.0, 7.0, 8.0])
    dout = rs.randn(N, C, H, W)
    cases.append(bn_case('notebook_seed231_train', "SpatialBatchNorm check (seed 231; gamma [3,4,5], beta [6,7,8]); no running stats given (zeros, as the assignment's dict)",
                         x, gamma, beta, dout, {'mode': 'train'}))
    rs = np.random.RandomState(11)
    for name, shape, param, given in [
        ('train_running_given', (3, 4, 3, 7), {'mode': 'train'}, True),
        ('train_eps_momentum', (2, 5, 5, 5), {'mode': 'train', 'eps': 1e-3, 'momentum': 0.5}, True),
        ('train_wide_hw', (2, 2, 9, 11), {'mode': 'train'}, False),
        ('test_running_given', (3, 4, 3, 7), {'mode': 'test'}, True),
        ('test_eps', (2, 3, 2, 3), {'mode': 'test', 'eps': 0.1}, True),
        ('test_no_running', (2, 3, 2, 2), {'mode': 'test'}, False),
        ('train_one_value_per_channel', (1, 3, 1, 1), {'mode': 'train'}, True),
    ]:
        C = shape[1]
        x = 2 * rs.randn(*shape) + rs.randn(1, C, 1, 1) * 3
        gamma, beta, dout = rs.randn(C), rs.randn(C), rs.randn(*shape)
        running = (rs.randn(C), rs.rand(C) + 0.5) if given else None
        cases.append(bn_case(name, 'RandomState(11) randn; running_var = rand + 0.5', x, gamma, beta, dout, param, running))
    return cases


def write(name, cases):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump({'file': f'conv/{name}', 'source': SOURCE, 'cases': cases}, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    write('conv.json', conv_cases())
    write('pool.json', pool_cases())
    write('relu.json', relu_cases())
    write('batchnorm.json', bn_cases())
    for n in sorted(os.listdir(OUT)):
        print(f'test/fixtures/conv/{n}: {os.path.getsize(os.path.join(OUT, n))} bytes')
