#!/usr/bin/env python3
"""For test/vision/encoder-live.test.ts: torchvision's own random init of an architecture (batch
norm running statistics randomised so they matter), its state_dict written as weights.npz
(np.savez, stored) and torchvision's outputs for a seeded input as expected.npz (float32, and
float64 unless --no-float64). Usage: encoder-live.py ARCH SIZE BATCH OUTDIR [--no-float64]
"""
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
from importlib import import_module  # noqa: E402

fixtures = import_module('make-encoder-fixtures')


def main():
    arch, size, batch, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = getattr(torchvision.models, arch)(weights=None).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    np.savez(os.path.join(out, 'weights.npz'), **{k: v.numpy() for k, v in model.state_dict().items()})
    x = fixtures.seeded_input(batch, size)
    expected = {}
    dtypes = [torch.float32] + ([] if '--no-float64' in sys.argv else [torch.float64])
    for dtype in dtypes:
        name = 'float32' if dtype == torch.float32 else 'float64'
        with torch.no_grad():
            pooled, grid = fixtures.forward(model.to(dtype), x.to(dtype), arch)
        expected[f'{name}_pooled'] = pooled.numpy()
        expected[f'{name}_grid'] = grid.permute(0, 2, 3, 1).contiguous().numpy()
    np.savez(os.path.join(out, 'expected.npz'), **expected)


if __name__ == '__main__':
    main()
