#!/usr/bin/env python3
"""Weights for the encoder benchmark (bench/encoders.mjs): torchvision's resnet18, mobilenet_v2
and vgg16, randomly initialised with a fixed seed (batch-norm running statistics and affine
parameters randomised too, so that folding them matters), written as

  OUT/<arch>.safetensors   the model's state_dict (torchvision's names and shapes; float32,
                           num_batches_tracked as int64), written by hand if the `safetensors`
                           package is absent (8-byte little-endian header length, JSON header,
                           raw little-endian bytes)
  OUT/<arch>.onnx          the same weights, eval mode, exported with torch.onnx.export (opset 13,
                           batch dimension dynamic) for the network the bench times: the
                           'pooled' output of recap's encoders (resnet: global average pool,
                           mobilenet_v2: global average pool of features, vgg16: fc7 after its
                           ReLU, i.e. classifier[:5], dropout off)
  OUT/<arch>.json          what was written (versions, seed, output size)

Usage: /usr/bin/python3 scripts/export-encoder-weights.py [OUT] [arch ...]
OUT defaults to bench/.cache/encoders (git-ignored). Needs torch and torchvision (Debian's
python3-torch 1.13 and python3-torchvision 0.14 work); nothing is downloaded.

       /usr/bin/python3 scripts/export-encoder-weights.py --shapes FILE
writes only the state dicts' entry shapes ({arch: {name: shape}}) as JSON, the fixture
test/fixtures/bench/encoder-shapes.json that test/bench-encoders.test.ts checks the bench's
layer table against (no weights needed there).
"""
import json
import os
import struct
import sys

import torch
import torchvision

ARCHS = ['resnet18', 'mobilenet_v2', 'vgg16']
SEED = 17
OPSET = 13
HERE = os.path.dirname(os.path.abspath(__file__))


def build(arch):
    """The torchvision model, seeded, with randomised batch-norm statistics, in eval mode."""
    torch.manual_seed(SEED)
    model = getattr(torchvision.models, arch)(weights=None)
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))
                m.weight.copy_(0.75 + 0.5 * torch.rand(c, generator=g))
                m.bias.copy_(0.1 * torch.randn(c, generator=g))
    return model.eval()


class Pooled(torch.nn.Module):
    """The network up to recap's 'pooled' output."""

    def __init__(self, arch, model):
        super().__init__()
        self.arch = arch
        self.model = model

    def forward(self, x):
        m = self.model
        if self.arch.startswith('resnet'):
            x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
            x = m.layer4(m.layer3(m.layer2(m.layer1(x))))
            return torch.flatten(m.avgpool(x), 1)
        if self.arch == 'mobilenet_v2':
            x = m.features(x)
            return torch.flatten(torch.nn.functional.adaptive_avg_pool2d(x, (1, 1)), 1)
        if self.arch == 'vgg16':
            x = torch.flatten(m.avgpool(m.features(x)), 1)
            return m.classifier[:5](x)
        raise ValueError(arch)


def pooled(arch):
    return Pooled(arch, build(arch)).eval()


DTYPES = {torch.float32: 'F32', torch.float64: 'F64', torch.int64: 'I64', torch.int32: 'I32'}


def write_safetensors(path, state):
    """The safetensors format by hand: u64 LE header size, JSON header (padded with spaces to a
    multiple of 8), then each tensor's bytes in order, little-endian, C-contiguous."""
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        t = t.detach().contiguous().cpu()
        b = t.numpy().astype(t.numpy().dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header['__metadata__'] = {'format': 'pt', 'source': 'scripts/export-encoder-weights.py', 'seed': str(SEED)}
    h = json.dumps(header, separators=(',', ':')).encode('utf8')
    h += b' ' * (-len(h) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """state dict (name -> torch tensor) of a safetensors file, read by hand."""
    import numpy as np
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    np_dt = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32}
    out = {}
    for name, e in header.items():
        if name == '__metadata__':
            continue
        a, b = e['data_offsets']
        arr = np.frombuffer(data, dtype=np_dt[e['dtype']], count=(b - a) // np.dtype(np_dt[e['dtype']]).itemsize, offset=a)
        out[name] = torch.from_numpy(arr.reshape(e['shape']).copy())
    return out


def export(arch, out):
    model = pooled(arch)
    st = os.path.join(out, f'{arch}.safetensors')
    try:
        from safetensors.torch import save_file
        save_file({k: v.contiguous() for k, v in model.model.state_dict().items()}, st + '.tmp')
        os.replace(st + '.tmp', st)
        writer = 'safetensors ' + __import__('safetensors').__version__
    except ImportError:
        write_safetensors(st, model.model.state_dict())
        writer = 'by hand (safetensors package absent)'
    onnx = os.path.join(out, f'{arch}.onnx')
    x = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(model, x, onnx + '.tmp', opset_version=OPSET, input_names=['input'], output_names=['output'],
                          dynamic_axes={'input': {0: 'N'}, 'output': {0: 'N'}}, do_constant_folding=True)
    os.replace(onnx + '.tmp', onnx)
    with torch.no_grad():
        dim = model(x).shape[1]
    meta = {'arch': arch, 'seed': SEED, 'opset': OPSET, 'torch': torch.__version__, 'torchvision': torchvision.__version__,
            'outputDim': int(dim), 'safetensorsWriter': writer, 'params': sum(p.numel() for p in model.parameters())}
    with open(os.path.join(out, f'{arch}.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    return meta


def write_shapes(path):
    shapes = {a: {k: list(v.shape) for k, v in getattr(torchvision.models, a)(weights=None).state_dict().items()} for a in ARCHS}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(shapes, f, separators=(',', ':'))
        f.write('\n')


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--shapes':
        write_shapes(sys.argv[2])
        return
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'bench', '.cache', 'encoders')
    archs = sys.argv[2:] or ARCHS
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    for arch in archs:
        meta = export(arch, out)
        print(f'{arch}: {meta["params"]} parameters, output {meta["outputDim"]}, written to {out}', flush=True)


if __name__ == '__main__':
    main()
