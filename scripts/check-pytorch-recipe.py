#!/usr/bin/env python3
"""Runs the PyTorch recipe of docs/interop.md (the python block after <!-- pytorch-recipe -->,
read from the doc itself) on recap's float64 exports in test/fixtures/interop/models:

  1. load_recap(recap_<cell>.safetensors) into the recipe's Decoder (nn.LSTM / nn.RNN);
  2. PyTorch's CS231n loss on recap_inputs.npz, to compare with recap's (numpy_losses.json);
  3. torch_to_recap(state_dict) must give back recap's arrays exactly;
  4. one SGD step in PyTorch, then save_file(torch_to_recap(...)) to OUT/torch_<cell>.safetensors
     with the loss of the stepped model, for recap to import and score.

Prints one JSON object: {cell: {"loss", "recap_loss", "roundtrip_exact", "stepped_loss"}}.
Uses the safetensors package when installed, else stand-ins with the same layout (the
fixture script's reader and writer). Needs torch and numpy:

    python3 scripts/check-pytorch-recipe.py OUT_DIR
"""
import importlib.util
import json
import os
import re
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, 'test', 'fixtures', 'interop', 'models')

with open(os.path.join(ROOT, 'docs', 'interop.md')) as f:
    doc = f.read()
recipe = re.search(r'<!-- pytorch-recipe -->\s*```python\n(.*?)```', doc, re.S).group(1)
ns = {}
exec(compile(recipe, 'docs/interop.md (pytorch recipe)', 'exec'), ns)

try:
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file
except ImportError:
    spec = importlib.util.spec_from_file_location('fx', os.path.join(ROOT, 'scripts', 'make-interop-fixtures.py'))
    fx = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fx)

    def load_file(path):
        arrays, _ = fx.load_safetensors(path)
        return {k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}

    class safe_open:  # noqa: N801 (the package's name)
        def __init__(self, path, framework):
            self.meta = fx.load_safetensors(path)[1]

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

        def metadata(self):
            return self.meta

    def save_file(tensors, path, metadata=None):
        fx.save_safetensors(path, {k: v.numpy() for k, v in tensors.items()}, metadata)

out_dir = sys.argv[1]
inputs = np.load(os.path.join(MODELS, 'recap_inputs.npz'))
features = torch.from_numpy(np.array(inputs['features']))
captions = torch.from_numpy(np.array(inputs['captions']))
recorded = json.load(open(os.path.join(MODELS, 'numpy_losses.json')))['losses']
report = {}
for cell in ['rnn', 'lstm']:
    path = os.path.join(MODELS, f'recap_{cell}.safetensors')
    model, idx_to_word = ns['load_recap'](path, load_file, safe_open)
    null = idx_to_word.index('<NULL>')
    loss = ns['cs231n_loss'](model(features, captions[:, :-1]), captions[:, 1:], null)
    original = load_file(path)
    back = ns['torch_to_recap'](model.state_dict(), model.cell_type)
    exact = sorted(back) == sorted(original) and all(torch.equal(back[k], original[k]) for k in original)
    # fine-tune one step in PyTorch, then hand the weights back to recap
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        stepped = ns['cs231n_loss'](model(features, captions[:, :-1]), captions[:, 1:], null)
    save_file(ns['torch_to_recap'](model.state_dict(), model.cell_type), os.path.join(out_dir, f'torch_{cell}.safetensors'),
              metadata={'idx_to_word': json.dumps(idx_to_word), 'cell_type': model.cell_type})
    report[cell] = {'loss': loss.item(), 'recap_loss': recorded[f'recap_{cell}_safetensors'], 'roundtrip_exact': exact,
                    'stepped_loss': stepped.item()}
print(json.dumps(report))
