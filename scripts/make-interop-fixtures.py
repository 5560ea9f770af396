#!/usr/bin/env python3
"""Writes test/fixtures/interop/: small files made by numpy (and safetensors files laid out as
the reference `safetensors.numpy.save` lays them out), read by test/interop/*.test.ts. The tests
never run Python; re-run this script (python3 + numpy) only to change the fixtures:

    npm run build && python3 scripts/make-interop-fixtures.py

readers/    every dtype recap reads (f4 f8 i4 i8 b1, and f2 i1 i2 u1 u2 u4 u8), both byte orders,
            .npy format versions 1.0, 2.0 and 3.0, a Fortran-order array, 0-d and empty arrays,
            an int64 array outside int32; an .npz stored (np.savez) and one deflated
            (np.savez_compressed); safetensors files (F16, BF16 among them); readers/manifest.json lists every file
            with the shape, dtype and values recap must read from it.
models/     see the second half of this script (CS231n parameters written with np.savez, and a
            recap model exported by recap and evaluated by numpy).
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'interop')


def values(shape, kind):
    """Deterministic values for a dtype kind: floats with a fractional part, signed ints, bools."""
    n = int(np.prod(shape))
    i = np.arange(n)
    if kind == 'f':
        return ((i - 2.5) / 3.0).reshape(shape)
    if kind == 'b':
        return (i % 3 == 0).reshape(shape)
    if kind == 'u':
        return (i * 7 + 1).reshape(shape)
    return (i * 7 - 20).reshape(shape)


def expected(arr):
    """What recap must read: floats as themselves, integers and bools as int32."""
    a = np.array(arr, order="C")
    if a.dtype.kind == 'f':
        dtype = 'float64' if a.dtype.itemsize == 8 else 'float32'
        # JSON has no infinities or NaN: those go as the strings JavaScript's Number() reads
        data = [float(x) if np.isfinite(x) else {np.inf: 'Infinity', -np.inf: '-Infinity'}.get(float(x), 'NaN')
                for x in a.astype(np.float64).ravel()]
    else:
        dtype = 'int32'
        data = [int(x) for x in a.astype(np.int64).ravel()]
    return {'shape': list(a.shape), 'dtype': dtype, 'data': data}


def save_npy(path, arr, version):
    with open(path, 'wb') as f:
        np.lib.format.write_array(f, arr, version=version, allow_pickle=False)


def save_safetensors(path, tensors, metadata=None):
    """The layout of safetensors.numpy.save: u64 LE header length, JSON header (dtype, shape,
    data_offsets) padded with spaces to 8 bytes, then the tensors, largest alignment first and
    then by name."""
    codes = {'float64': 'F64', 'float32': 'F32', 'float16': 'F16', 'int64': 'I64', 'int32': 'I32', 'int16': 'I16',
             'int8': 'I8', 'uint8': 'U8', 'bool': 'BOOL'}
    names = sorted(tensors, key=lambda k: (-tensors[k].dtype.itemsize, k))
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    offset = 0
    blobs = []
    for k in names:
        a = np.ascontiguousarray(tensors[k]).astype(tensors[k].dtype.newbyteorder('<'))
        b = a.tobytes()
        header[k] = {'dtype': codes[a.dtype.name], 'shape': list(a.shape),
                     'data_offsets': [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    js = json.dumps(header, separators=(',', ':')).encode()
    js += b' ' * (-len(js) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(js)) + js + b''.join(blobs))


def load_safetensors(path):
    """Reads a safetensors file with numpy alone (what a notebook without the package does)."""
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    types = {'F64': '<f8', 'F32': '<f4', 'I32': '<i4', 'I64': '<i8'}
    out = {}
    for k, v in header.items():
        b, e = v['data_offsets']
        out[k] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=types[v['dtype']]).reshape(v['shape'])
    return out, meta


def readers():
    d = os.path.join(OUT, 'readers')
    os.makedirs(d, exist_ok=True)
    manifest = {}
    shape = (2, 3)
    # every dtype in both byte orders, format 1.0
    for code in ['f4', 'f8', 'i4', 'i8', 'b1', 'i1', 'i2', 'u1', 'u2', 'u4', 'u8']:
        for order in ['<', '>']:
            if code in ('b1', 'i1', 'u1') and order == '>':
                continue
            arr = values(shape, code[0]).astype(np.dtype(order + code))
            name = f'{code}_{"le" if order == "<" else "be"}_v1.npy'
            save_npy(os.path.join(d, name), arr, (1, 0))
            manifest[name] = expected(arr)
    # IEEE half (np.float16), both byte orders: read as float32, exactly; with a subnormal, inf and -0
    for order in ['<', '>']:
        arr = np.array([[1.5, -2.25, 65504.0], [2.0**-24, np.inf, -0.0]], dtype=order + 'f2')
        name = f'f2_{"le" if order == "<" else "be"}_v1.npy'
        save_npy(os.path.join(d, name), arr, (1, 0))
        manifest[name] = expected(arr)
    # format versions 2.0 and 3.0 (the layout differs in the length field and the header text's encoding)
    for version in [(2, 0), (3, 0)]:
        for code in ['<f8', '>f4', '<i8']:
            arr = values((3, 2), code[1]).astype(np.dtype(code))
            name = f'{code[1:]}_{"le" if code[0] == "<" else "be"}_v{version[0]}.npy'
            save_npy(os.path.join(d, name), arr, version)
            manifest[name] = expected(arr)
    # Fortran order (read back in C order with numpy's shape and values), 3 axes
    arr = np.asfortranarray(values((2, 3, 4), 'f').astype('<f8'))
    save_npy(os.path.join(d, 'fortran_f8.npy'), arr, (1, 0))
    manifest['fortran_f8.npy'] = expected(arr)
    arr = np.asfortranarray(values((3, 2), 'i').astype('>i8'))
    save_npy(os.path.join(d, 'fortran_i8_be.npy'), arr, (1, 0))
    manifest['fortran_i8_be.npy'] = expected(arr)
    # 0-d, 1-d, empty
    for name, arr in [('scalar_f8.npy', np.array(2.75)), ('vector_i4.npy', np.arange(5, dtype='<i4') - 2),
                      ('empty_f4.npy', np.zeros((0, 3), dtype='<f4'))]:
        np.save(os.path.join(d, name), arr)
        manifest[name] = expected(arr)
    # written by np.save itself (numpy's own choice of version and padding)
    arr = values((4, 5), 'f').astype(np.float32)
    np.save(os.path.join(d, 'np_save_f4.npy'), arr)
    manifest['np_save_f4.npy'] = expected(arr)
    # an int64 array with a value outside int32: recap refuses it
    np.save(os.path.join(d, 'i8_out_of_range.npy'), np.array([1, 2, 2**31], dtype='<i8'))
    manifest['i8_out_of_range.npy'] = {'error': r'array\[2\] = 2147483648 does not fit int32'}
    np.save(os.path.join(d, 'complex.npy'), np.zeros(2, dtype=np.complex64))
    manifest['complex.npy'] = {'error': 'dtype "<c8" is not supported'}
    # npz: stored and deflated, mixed dtypes
    arrays = {'weights': values((3, 4), 'f').astype(np.float64), 'ids': values((5,), 'i').astype(np.int64),
              'mask': values((2, 2), 'b'), 'small': values((2,), 'f').astype('>f4')}
    np.savez(os.path.join(d, 'stored.npz'), **arrays)
    np.savez_compressed(os.path.join(d, 'deflated.npz'), **arrays)
    for name in ['stored.npz', 'deflated.npz']:
        manifest[name] = {k: expected(v) for k, v in arrays.items()}
    # safetensors: every dtype a PyTorch state dict commonly holds that recap reads
    st = {'w64': values((2, 3), 'f').astype(np.float64), 'w32': values((3,), 'f').astype(np.float32),
          'i64': values((2, 2), 'i').astype(np.int64), 'i32': values((4,), 'i').astype(np.int32),
          'u8': values((3,), 'u').astype(np.uint8), 'flag': values((3,), 'b')}
    save_safetensors(os.path.join(d, 'mixed.safetensors'), st, {'format': 'np', 'note': 'made by numpy'})
    manifest['mixed.safetensors'] = {'tensors': {k: expected(v) for k, v in st.items()},
                                     'metadata': {'format': 'np', 'note': 'made by numpy'}}
    # half and bfloat16 safetensors (numpy has no bfloat16: its bits are a float32's top 16 bits)
    half = np.array([0.5, -3.0, 2.0**-20, 1000.0], dtype=np.float32)
    save_safetensors(os.path.join(d, 'half.safetensors'), {'h': half.astype(np.float16)})
    manifest['half.safetensors'] = {'tensors': {'h': expected(half.astype(np.float16))}, 'metadata': {}}
    bf = np.array([1.5, -2.25, 3.0e38, -1.0e-30], dtype=np.float32)
    bf_bits = (bf.view(np.uint32) >> 16).astype('<u2')
    bf_exact = (bf_bits.astype(np.uint32) << 16).view(np.float32)
    js = json.dumps({'b': {'dtype': 'BF16', 'shape': [4], 'data_offsets': [0, 8]}}).encode()
    js += b' ' * (-len(js) % 8)
    with open(os.path.join(d, 'bfloat16.safetensors'), 'wb') as f:
        f.write(struct.pack('<Q', len(js)) + js + bf_bits.tobytes())
    manifest['bfloat16.safetensors'] = {'tensors': {'b': expected(bf_exact)}, 'metadata': {}}
    with open(os.path.join(d, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')


# ---------------------------------------------------------------- models

sys.path.insert(0, os.path.join(ROOT, 'bench'))
from numpy_model import (affine_forward, lstm_forward, rnn_forward, temporal_affine_forward,  # noqa: E402
                         temporal_softmax_loss, word_embedding_forward)


def cs231n_loss(P, features, captions, cell, null):
    """CaptioningRNN.loss of CS231n classifiers/rnn.py, forward only (the layers of bench/numpy_model.py)."""
    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
    mask = captions_out != null
    h0, _ = affine_forward(features, P['W_proj'], P['b_proj'])
    x, _ = word_embedding_forward(captions_in, P['W_embed'])
    h, _ = (rnn_forward if cell == 'rnn' else lstm_forward)(x, h0, P['Wx'], P['Wh'], P['b'])
    scores, _ = temporal_affine_forward(h, P['W_vocab'], P['b_vocab'])
    loss, _ = temporal_softmax_loss(scores, captions_out, mask)
    return float(loss)


def notebook_params(cell):
    """The RNN/LSTM_Captioning notebooks' loss check: every parameter linspace(-1.4, 1.3)."""
    N, D, W, H, T = 10, 20, 30, 40, 13
    word_to_idx = {'<NULL>': 0, 'cat': 2, 'dog': 3}
    V = len(word_to_idx)
    G = (4 if cell == 'lstm' else 1) * H
    shapes = {'W_embed': (V, W), 'W_proj': (D, H), 'b_proj': (H,), 'Wx': (W, G), 'Wh': (H, G), 'b': (G,),
              'W_vocab': (H, V), 'b_vocab': (V,)}
    params = {k: np.linspace(-1.4, 1.3, num=int(np.prod(s))).reshape(*s) for k, s in shapes.items()}
    lo, hi = (-1.5, 0.3) if cell == 'rnn' else (-0.5, 1.7)
    features = np.linspace(lo, hi, num=N * D).reshape(N, D)
    captions = (np.arange(N * T) % V).reshape(N, T)
    return params, features, captions, word_to_idx


def models():
    d = os.path.join(OUT, 'models')
    os.makedirs(d, exist_ok=True)
    losses = {}
    # 1. numpy -> recap: the notebook's parameters saved with np.savez, with its inputs and vocabulary
    for cell, printed in [('rnn', 9.83235591003), ('lstm', 9.82445935443)]:
        params, features, captions, word_to_idx = notebook_params(cell)
        loss = cs231n_loss(params, features, captions, cell, word_to_idx['<NULL>'])
        assert abs(loss - printed) < 1e-10, (cell, loss)
        np.savez(os.path.join(d, f'cs231n_{cell}_params.npz'), **params)
        np.savez(os.path.join(d, f'cs231n_{cell}_inputs.npz'), features=features, captions=captions)
        with open(os.path.join(d, 'cs231n_vocab.json'), 'w') as f:
            json.dump({'word_to_idx': word_to_idx}, f)
        losses[f'cs231n_{cell}'] = loss
    # 2. recap -> numpy: a seeded float64 recap model (biases set from spec.json), exported by recap,
    # loaded here from the .npz (np.load) and the .safetensors (numpy alone), scored by numpy
    rng = np.random.RandomState(231)
    words = ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'red', 'blue', 'circle', 'square', 'and', 'left', 'of']
    V, D, W, H, N, T = len(words), 6, 5, 7, 4, 8
    spec = {'wordToIdx': {w: i for i, w in enumerate(words)}, 'inputDim': D, 'wordvecDim': W, 'hiddenDim': H, 'seed': 7,
            'biases': {cell: {'b_proj': rng.randn(H).tolist(), 'b': rng.randn(G * H).tolist(), 'b_vocab': rng.randn(V).tolist()}
                       for cell, G in [('rnn', 1), ('lstm', 4)]}}
    with open(os.path.join(d, 'recap_spec.json'), 'w') as f:
        json.dump(spec, f, indent=1)
        f.write('\n')
    features = rng.randn(N, D)
    captions = np.zeros((N, T + 1), dtype=np.int64)
    for n in range(N):
        length = 2 + n  # words before <END>; the rest is <NULL> padding
        captions[n, 0] = 1
        captions[n, 1:1 + length] = rng.randint(3, V, size=length)
        captions[n, 1 + length] = 2
    np.savez(os.path.join(d, 'recap_inputs.npz'), features=features, captions=captions)
    subprocess.run(['node', os.path.join(ROOT, 'scripts', 'export-interop-models.mjs'), d], check=True)
    for cell in ['rnn', 'lstm']:
        with np.load(os.path.join(d, f'recap_{cell}.npz')) as z:
            P = {k: z[k] for k in z.files}
        S, meta = load_safetensors(os.path.join(d, f'recap_{cell}.safetensors'))
        with open(os.path.join(d, f'recap_{cell}.vocab.json')) as f:
            vocab = json.load(f)
        assert vocab['idx_to_word'] == words and json.loads(meta['idx_to_word']) == words
        assert meta['cell_type'] == cell and sorted(P) == sorted(S)
        for k in P:
            assert P[k].dtype == np.float64 and np.array_equal(P[k], S[k]), k
        null = vocab['word_to_idx']['<NULL>']
        losses[f'recap_{cell}_npz'] = cs231n_loss(P, features, captions, cell, null)
        losses[f'recap_{cell}_safetensors'] = cs231n_loss(S, features, captions, cell, null)
    with open(os.path.join(d, 'numpy_losses.json'), 'w') as f:
        json.dump({'numpy': np.__version__, 'losses': losses}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    readers()
    if '--readers-only' not in sys.argv:
        models()
