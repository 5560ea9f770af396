#!/usr/bin/python3
"""Writes test/fixtures/pth/: small PyTorch .pth files (torch.save, zip and legacy formats) read
by test/interop/pth.test.ts, the same tensors as .safetensors and .npz, and .pth files whose
pickle would run code if torch.load read them without weights_only. The tests never run Python;
re-run this script (Debian's python3-torch) only to change the fixtures:

    /usr/bin/python3 scripts/make-pth-fixtures.py

With `--live DIR` it instead writes a real torchvision resnet18() state dict into DIR as
resnet18_zip.pth, resnet18_legacy.pth, resnet18_tar.pth, resnet18.npz (every tensor, float32 / int64) and
keys.json (names and shapes in state_dict() order), for the live test.

plain_protocol{2,3,4,5}.pkl are plain data pickled by pickle.dump (plain.json: their values in a
JSON form). manifest.json holds the state dict recap must read (name → shape, recap dtype, values as
float64) and, for every fixture, whether it holds that state dict or the error it must give.
"""
import collections
import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'pth')


def small_state_dict():
    """A conv + batch-norm state dict (an OrderedDict with _metadata) plus tensors of every kind
    the reader must handle: half, bfloat16, double, int32, uint8, bool, a Parameter, views with a
    storage offset, a transposed and a strided (non-contiguous) view, an expanded (stride 0) one."""
    g = torch.Generator().manual_seed(231)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
        net[1].running_mean.copy_(torch.randn(4, generator=g))
        net[1].running_var.copy_(torch.rand(4, generator=g) + 0.5)
        net[1].num_batches_tracked.fill_(7)
    sd = net.state_dict()  # OrderedDict with _metadata (the modules' versions)
    assert hasattr(sd, '_metadata')
    base = torch.arange(20, dtype=torch.float32).reshape(4, 5) / 8
    sd['half'] = (torch.randn(2, 3, generator=g) * 100).half()
    sd['bfloat16'] = torch.randn(3, generator=g).bfloat16()
    sd['double'] = torch.randn(3, 2, generator=g, dtype=torch.float64) / 3
    sd['int32'] = torch.tensor([-5, 0, 2147483647], dtype=torch.int32)
    sd['uint8'] = torch.tensor([[0, 255], [17, 3]], dtype=torch.uint8)
    sd['bool'] = torch.tensor([True, False, True])
    sd['param'] = torch.nn.Parameter(torch.randn(2, 2, generator=g))
    sd['base'] = base
    sd['rows'] = base[1:3]            # storage offset 5, contiguous
    sd['columns'] = base[:, 1::2]     # offset 1, stride (5, 2)
    sd['transposed'] = base.t()       # stride (1, 5)
    sd['element'] = base[3, 4]        # 0-d, offset 19
    sd['expanded'] = torch.tensor([2.5]).expand(3, 2)  # stride (0, 0)
    sd['empty'] = torch.zeros(0, 3)
    return sd


def recap_dtype(t):
    if t.dtype == torch.float64:
        return 'float64'
    if t.is_floating_point():
        return 'float32'
    return 'int32'


def manifest_entry(sd):
    return {k: {'shape': list(v.shape), 'dtype': recap_dtype(v), 'data': v.detach().double().flatten().tolist()} for k, v in sd.items()}


def save(obj, name, **kwargs):
    torch.save(obj, os.path.join(OUT, name), **kwargs)


def write_safetensors(sd, path):
    """The safetensors layout (as safetensors.torch.save_file writes it: sorted by dtype size, then name)."""
    codes = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64',
             torch.int32: 'I32', torch.uint8: 'U8', torch.bool: 'BOOL'}
    names = sorted(sd, key=lambda k: (-sd[k].element_size(), k))
    header, chunks, cursor = {}, [], 0
    for k in names:
        t = sd[k].detach().contiguous()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[k] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [cursor, cursor + len(raw)]}
        chunks.append(raw)
        cursor += len(raw)
    js = json.dumps(header, separators=(',', ':')).encode()
    js += b' ' * (-len(js) % 8)
    with open(path, 'wb') as f:
        f.write(len(js).to_bytes(8, 'little') + js + b''.join(chunks))


def save_tar(sd, path, view=True):
    """torch.save's first format (before 0.1.10; the oldest torchvision weights), written as
    torch/serialization.py's legacy_load reads it: a tar of `storages`, `tensors` and `pickle`.
    With `view`, `rows` refers to a storage view (offset 5, 10 elements) as old torch's storage
    slices did."""
    import pickle as pk
    import struct
    import tarfile
    tensors, storages = collections.OrderedDict(), collections.OrderedDict()

    def persistent_id(obj):
        if torch.is_tensor(obj):
            tensors[id(obj)] = obj
            return str(id(obj))
        return None

    buf = io.BytesIO()
    pickler = pk.Pickler(buf, protocol=2)
    pickler.persistent_id = persistent_id
    pickler.dump(sd)
    pickled = buf.getvalue()
    for t in tensors.values():
        storages.setdefault(t.storage().data_ptr(), t.storage())
    names = {torch.float32: 'Float', torch.float64: 'Double', torch.float16: 'Half', torch.bfloat16: 'BFloat16', torch.int64: 'Long',
             torch.int32: 'Int', torch.uint8: 'Byte', torch.bool: 'Bool'}
    f = io.BytesIO()
    pk.dump(len(storages), f, protocol=2)
    for key, st in storages.items():
        pk.dump((key, 'cpu', getattr(torch, names[st.dtype] + 'Storage')), f, protocol=2)
        flat = torch.empty(0, dtype=st.dtype).set_(st)
        f.write(struct.pack('<q', st.size()) + (flat.view(torch.int16) if st.dtype == torch.bfloat16 else flat).numpy().tobytes())
    view_key = 1
    pk.dump([(view_key, sd['base'].storage().data_ptr(), 5, 10)] if view else [], f, protocol=2)
    storages_member = f.getvalue()
    f = io.BytesIO()
    pk.dump(len(tensors), f, protocol=2)
    for key, t in tensors.items():
        storage_key, offset = t.storage().data_ptr(), t.storage_offset()
        if view and t is sd['rows']:
            storage_key, offset = view_key, 0
        pk.dump((key, storage_key, getattr(torch, names[t.dtype] + 'Tensor')), f, protocol=2)
        f.write(struct.pack('<i4x', t.dim()) + struct.pack(f'<{2 * t.dim() + 1}q', *t.shape, *t.stride(), offset))
    with tarfile.open(path, 'w:', format=tarfile.PAX_FORMAT) as tar:
        for name, data in [('storages', storages_member), ('tensors', f.getvalue()), ('pickle', pickled)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    back = torch.load(path)  # torch itself reads it (from a file path: as a tar)
    assert list(back) == list(sd) and all(torch.equal(back[k], sd[k]) for k in sd), 'torch.load disagrees'


class Evil:
    """What a malicious checkpoint holds: unpickling calls `fn(*args)`."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def norm(v):
    """A JSON form of plain pickled data that test/interop/pickle.test.ts rebuilds from recap's values."""
    if v is None or isinstance(v, (bool, float, str)):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2 ** 53 else {'int': str(v)}
    if isinstance(v, bytes):
        return {'bytes': list(v)}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, tuple):
        return {'tuple': [norm(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {'set': sorted(v)}
    if isinstance(v, dict):
        return {'ordered' if isinstance(v, collections.OrderedDict) else 'dict': [[norm(k), norm(x)] for k, x in v.items()]}
    raise TypeError(type(v))


def plain_data(protocol):
    """Plain data pickle.dumps writes without globals at `protocol` (bytes from 3, sets from 4)."""
    shared = [7]
    obj = {
        'ints': [0, 1, -1, 255, 256, 65535, 65536, -2 ** 31, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, 2 ** 53, -2 ** 63, 2 ** 70, -2 ** 70],
        'floats': [0.5, -1e300, 1 / 3, 5e-324],
        'str': 'h\u00e9llo \u2713', 'long str': 'x' * 300, 'none': None, 'bools': (True, False),
        'tuples': ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)),
        'nested': {'a': [1, {'b': (2,)}]}, (1, 2): 'tuple key', 3: 'int key',
        'ordered': collections.OrderedDict([('z', 1), ('a', 2)]),
        'shared': [shared, shared],
        'many': list(range(2500)),
    }
    if protocol >= 3:
        obj['bytes'] = b'\x00\xff'
        obj['long bytes'] = bytes(range(256)) * 2
    if protocol >= 4:
        obj['set'] = {3, 1, 2}
        obj['frozenset'] = frozenset({5})
    return obj


def fixtures():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    sd = small_state_dict()
    want = manifest_entry(sd)
    manifest = {}
    for name, kwargs in [('small_zip.pth', {}), ('small_legacy.pth', {'_use_new_zipfile_serialization': False}),
                         ('small_protocol4.pth', {'pickle_protocol': 4}),
                         ('small_legacy_protocol5.pth', {'_use_new_zipfile_serialization': False, 'pickle_protocol': 5})]:
        save(sd, name, **kwargs)
        manifest[name] = {'tensors': 'state_dict'}
    save_tar(sd, os.path.join(OUT, 'small_tar.pth'))
    manifest['small_tar.pth'] = {'tensors': 'state_dict'}
    save({'state_dict': sd, 'epoch': 3, 'note': 'wrapped'}, 'wrapped_state_dict.pth')
    manifest['wrapped_state_dict.pth'] = {'tensors': 'state_dict'}
    save({'model': sd}, 'wrapped_model_legacy.pth', _use_new_zipfile_serialization=False)
    manifest['wrapped_model_legacy.pth'] = {'tensors': 'state_dict'}
    # the same tensors, contiguous, in the other formats (bfloat16 only in safetensors: numpy has none)
    write_safetensors(sd, os.path.join(OUT, 'small.safetensors'))
    manifest['small.safetensors'] = {'tensors': 'state_dict'}
    np.savez(os.path.join(OUT, 'small.npz'), **{k: v.detach().float().numpy() if v.dtype == torch.bfloat16 else v.detach().numpy()
                                                 for k, v in sd.items()})
    manifest['small.npz'] = {'tensors': 'state_dict'}

    # files that must be refused, nothing executed: each would run its global under torch.load
    probe = os.path.join('/tmp', 'recap-pth-pwned')
    w = {'w': torch.ones(2)}
    save({**w, 'x': Evil(os.system, (f'touch {probe}',))}, 'evil_os_system.pth')
    manifest['evil_os_system.pth'] = {'error': 'posix.system'}
    save({**w, 'x': Evil(os.system, (f'touch {probe}',))}, 'evil_os_system_legacy.pth', _use_new_zipfile_serialization=False)
    manifest['evil_os_system_legacy.pth'] = {'error': 'posix.system'}
    save(collections.OrderedDict(w, x=Evil(eval, ('1 + 1',))), 'evil_eval.pth', pickle_protocol=4)
    manifest['evil_eval.pth'] = {'error': 'builtins.eval'}
    save(torch.nn.Linear(2, 2), 'whole_module.pth')
    manifest['whole_module.pth'] = {'error': 'torch.nn.modules.linear.Linear'}
    # a zip whose data.pkl is a hand-written protocol-0 pickle calling os.system: cos\nsystem\n(S'...'\ntR.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        z.writestr('archive/data.pkl', b"cos\nsystem\n(S'touch " + probe.encode() + b"'\ntR.")
    with open(os.path.join(OUT, 'evil_protocol0.pth'), 'wb') as f:
        f.write(buf.getvalue())
    manifest['evil_protocol0.pth'] = {'error': 'os.system'}
    plain = {}
    for protocol in (2, 3, 4, 5):
        obj = plain_data(protocol)
        with open(os.path.join(OUT, f'plain_protocol{protocol}.pkl'), 'wb') as f:
            pickle.dump(obj, f, protocol=protocol)
        normed = norm(obj)
        for pair in normed['dict']:  # 2500 ints (three APPENDS batches) as a range, not a list
            if pair[0] == 'many':
                pair[1] = {'range': len(obj['many'])}
        plain[f'plain_protocol{protocol}.pkl'] = normed
    with open(os.path.join(OUT, 'plain.json'), 'w') as f:
        json.dump(plain, f)
        f.write('\n')
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump({'state_dict': want, 'files': manifest}, f, indent=1, sort_keys=True)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files, {total} bytes, to {OUT}')


def live(out):
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet18()
    with torch.no_grad():  # running statistics that differ from their initial 0 / 1
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
                m.num_batches_tracked.fill_(12)
    sd = model.state_dict()
    torch.save(sd, os.path.join(out, 'resnet18_zip.pth'))
    torch.save(sd, os.path.join(out, 'resnet18_legacy.pth'), _use_new_zipfile_serialization=False)
    save_tar(sd, os.path.join(out, 'resnet18_tar.pth'), view=False)
    np.savez(os.path.join(out, 'resnet18.npz'), **{k: v.numpy() for k, v in sd.items()})
    with open(os.path.join(out, 'keys.json'), 'w') as f:
        json.dump([[k, list(v.shape)] for k, v in sd.items()], f)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--live':
        live(sys.argv[2])
    else:
        fixtures()
