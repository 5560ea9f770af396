#!/usr/bin/env python3
"""PyTorch CPU peer of the encoder benchmark (bench/encoders.mjs): torchvision's resnet18,
mobilenet_v2 and vgg16 with the bench's weights (bench/.cache/encoders/<arch>.safetensors,
written by scripts/export-encoder-weights.py), eval mode, torch.inference_mode, up to recap's
'pooled' output (the same wrapper the ONNX export uses).

  /usr/bin/python3 bench/torch_encoders.py THREADS     (torch.set_num_threads(THREADS))

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout; times measured
here with time.perf_counter around the forward only.
  {"cmd": "info"}                                          -> versions, threads, backends
  {"cmd": "setup", "key", "arch", "weights", "input", "N"}  -> {"ok": true}   input: raw float32 NCHW file
  {"cmd": "run", "key", "output": bool, "repeat"?: n}      -> {"seconds", "cpuSeconds", "output"?: [floats]} (means over n forwards in a row)
  {"cmd": "drop", "key"}   {"cmd": "quit"}
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('export_encoder_weights', os.path.join(HERE, '..', 'scripts', 'export-encoder-weights.py'))
EXPORT = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(EXPORT)


def setup(arch, weights, input_path, n):
    import torchvision
    model = getattr(torchvision.models, arch)(weights=None)
    model.load_state_dict(EXPORT.read_safetensors(weights))
    net = EXPORT.Pooled(arch, model).eval()
    x = torch.from_numpy(np.fromfile(input_path, dtype='<f4').reshape(n, 3, 224, 224).copy())
    return net, x


def serve():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    models = {}
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        cmd = req['cmd']
        try:
            if cmd == 'info':
                import torchvision
                res = {'torch': torch.__version__, 'torchvision': torchvision.__version__, 'threads': torch.get_num_threads(),
                       'mkldnn': torch.backends.mkldnn.is_available(), 'config': torch.__config__.parallel_info().split('\n')[:6]}
            elif cmd == 'setup':
                models[req['key']] = setup(req['arch'], req['weights'], req['input'], req['N'])
                res = {'ok': True}
            elif cmd == 'run':
                net, x = models[req['key']]
                n = int(req.get('repeat', 1))
                with torch.inference_mode():
                    c0 = time.process_time()
                    t0 = time.perf_counter()
                    for _ in range(n):
                        y = net(x)
                    dt = (time.perf_counter() - t0) / n
                    dc = (time.process_time() - c0) / n
                res = {'seconds': dt, 'cpuSeconds': dc}
                if req.get('output'):
                    res['output'] = y.reshape(-1).tolist()
            elif cmd == 'drop':
                models.pop(req['key'], None)
                res = {'ok': True}
            elif cmd == 'quit':
                out.write(json.dumps({'ok': True}) + '\n')
                out.flush()
                return
            else:
                res = {'error': 'unknown command %r' % cmd}
        except Exception as e:  # reported to the driver, which prints it
            res = {'error': '%s: %s' % (type(e).__name__, e)}
        out.write(json.dumps(res) + '\n')
        out.flush()


if __name__ == '__main__':
    serve()
