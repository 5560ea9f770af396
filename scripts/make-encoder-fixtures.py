#!/usr/bin/env python3
"""Fixtures for test/vision/encoder*.test.ts: torchvision's own forward passes on seeded weights.

No weights are written: every parameter and the input are a formula that test/vision/seeded.ts
computes bit-exactly in TypeScript (IEEE float64 arithmetic, one rounding to float32):

  seed(name)  = FNV-1a 32-bit of the name's UTF-8 bytes
  h(name, i)  = murmur3's fmix32((i * 0x9E3779B1 + seed) mod 2^32)
  u(name, i)  = (h >> 8) / 2^23 - 1                                   in [-1, 1), exact
  weight (rank >= 2): f32(u / sqrt(numel / shape[0]))                  (1/sqrt(fan_in))
  batch norm: weight f32(1 + u/4), bias f32(u/10), running_mean f32(u/10),
              running_var f32(3/4 + u/4) (in [0.5, 1)), num_batches_tracked 0
  other vectors (conv / linear biases): f32(u/10)
  input 'input' (N,3,H,W): f32(2u)

Writes test/fixtures/vision/encoders.npz (expected outputs, float32 and float64 models from the
same float32 weights; pooled (N,D) and grid (N,h,w,C)) and keys.json (every architecture's
state_dict names and shapes). Run with Debian's python3-torchvision (torch 1.13, torchvision
0.14): /usr/bin/python3 scripts/make-encoder-fixtures.py
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'vision')
ARCHS = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152', 'mobilenet_v2', 'vgg16']
# (arch, input size, batch): outputs kept small; one 224 check (pooled only)
CASES = [('resnet18', 64, 2), ('resnet50', 64, 2), ('mobilenet_v2', 64, 2), ('resnet18', 224, 1)]


def fnv1a(name):
    h = 0x811C9DC5
    for b in name.encode('utf-8'):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def uniform(name, n):
    i = np.arange(n, dtype=np.uint64)
    h = ((i * np.uint64(0x9E3779B1) + np.uint64(fnv1a(name))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    with np.errstate(over='ignore'):
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return (h >> np.uint32(8)).astype(np.float64) / 2.0 ** 23 - 1.0


def seeded_tensor(name, shape, names):
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform(name, n)
    prefix = name.rsplit('.', 1)[0]
    leaf = name.rsplit('.', 1)[1]
    if leaf == 'num_batches_tracked':
        return torch.zeros(shape, dtype=torch.int64)
    if len(shape) >= 2:
        v = u / np.sqrt(n / shape[0])
    elif prefix + '.running_mean' in names:
        v = {'weight': 1 + u / 4, 'bias': u / 10, 'running_mean': u / 10, 'running_var': 0.75 + u / 4}[leaf]
    else:
        v = u / 10
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def build(arch):
    return getattr(torchvision.models, arch)(weights=None)


def seeded_model(arch):
    model = build(arch)
    sd = model.state_dict()
    names = set(sd.keys())
    model.load_state_dict({k: seeded_tensor(k, tuple(v.shape), names) for k, v in sd.items()})
    return model.eval()


def seeded_input(n, size):
    return torch.from_numpy((2 * uniform('input', n * 3 * size * size)).astype(np.float32).reshape(n, 3, size, size))


def forward(model, x, arch):
    """(pooled, grid NCHW): the encoder's two outputs, from torchvision's own modules."""
    if arch.startswith('resnet'):
        m = model
        y = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        grid = m.layer4(m.layer3(m.layer2(m.layer1(y))))
        return torch.flatten(m.avgpool(grid), 1), grid
    if arch == 'mobilenet_v2':
        grid = model.features(x)
        return torch.flatten(torch.nn.functional.adaptive_avg_pool2d(grid, (1, 1)), 1), grid
    grid = model.features(x)
    return model.classifier[:5](torch.flatten(model.avgpool(grid), 1)), grid


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    keys = {}
    for arch in ARCHS:
        keys[arch] = [[k, list(v.shape)] for k, v in build(arch).state_dict().items()]
    with open(os.path.join(OUT, 'keys.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'torchvision': torchvision.__version__, 'keys': keys}, f, separators=(',', ':'))
    arrays = {}
    for arch, size, n in CASES:
        model = seeded_model(arch)
        x = seeded_input(n, size)
        for dtype, name in ((torch.float32, 'float32'), (torch.float64, 'float64')):
            m = model.to(dtype)
            with torch.no_grad():
                pooled, grid = forward(m, x.to(dtype), arch)
            tag = f'{arch}_{size}_{n}_{name}'
            arrays[f'{tag}_pooled'] = pooled.numpy()
            if size < 224:
                arrays[f'{tag}_grid'] = grid.permute(0, 2, 3, 1).contiguous().numpy()
            print(tag, tuple(pooled.shape), tuple(grid.shape), file=sys.stderr)
    np.savez_compressed(os.path.join(OUT, 'encoders.npz'), **arrays)


if __name__ == '__main__':
    main()
