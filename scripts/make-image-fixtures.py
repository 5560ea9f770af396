#!/usr/bin/env python3
"""Writes test/fixtures/images/: small PNG and JPEG files and what PIL + torchvision 0.14 make of
them, read by test/vision/*.test.ts (the tests never run Python). Re-run only to change them:

    /usr/bin/python3 scripts/make-image-fixtures.py      # Debian's python3-pil, python3-torchvision

Sources: odd sizes, landscape and portrait, RGB, grey (L), grey+alpha (LA), RGBA with varying
alpha, a palette image with transparency, 16-bit RGB and 16-bit grey, an Adam7-interlaced PNG
(PIL writes neither 16-bit RGB nor interlaced PNGs: a small PNG writer below does), images
smaller than the crop, and JPEGs (4:2:0, 4:4:4, grey, progressive).

For each case of manifest.json: the source is opened with PIL and converted as torchvision's
loader does (`Image.open(f).convert('RGB')`), then `Resize(resize)` (PIL bilinear, antialiased)
and `CenterCrop(crop)` (null skips a step); `<case>.u8` holds the resulting pixels (H, W, 3)
uint8, `<case>.f32` / `<case>.f64` the tensor after `ToTensor()` and `Normalize(ImageNet mean,
std)` (3, H, W), float64 with torch's default dtype set to float64. JPEG cases hold PIL's
(libjpeg-turbo's) decoded pixels in `<name>.decoded.u8` for the decoder comparison.

16-bit grey: PIL opens it as mode "I" and `convert('RGB')` clips every value above 255 to 255
(an almost white image); recap keeps the high byte, as PIL does for 16-bit RGB. The expected
output of that case is PIL's pipeline run on the high bytes (`pil_differs` in the manifest).
"""
import io
import json
import os
import struct
import zlib

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

assert torchvision.__version__.startswith('0.14'), torchvision.__version__

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'images')
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
rng = np.random.default_rng(17)


def picture(h, w, c):
    """Smooth colour gradients, a few hard edges and mild noise: exercises every filter tap."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = []
    for k in range(c):
        v = 127 + 90 * np.sin(x / (3.0 + 2 * k) + y / 7.0) * np.cos(y / (5.0 + k))
        v += np.where((x // 9 + y // 11 + k) % 3 == 0, 40, -20)
        v += rng.normal(0, 12, size=(h, w))
        chans.append(v)
    return np.clip(np.stack(chans, -1), 0, 255).round().astype(np.uint8)


def png_chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(path, arr, bit_depth, color_type, interlace=False):
    """A minimal PNG writer (filter 0 on every row) for what PIL cannot write."""
    arr = np.asarray(arr)
    h, w = arr.shape[:2]
    dt = '>u2' if bit_depth == 16 else 'u1'

    def rows(a):
        return b''.join(b'\x00' + a[r].astype(dt).tobytes() for r in range(a.shape[0]))

    if interlace:
        raw = b''
        for x0, y0, dx, dy in ADAM7:
            sub = arr[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += rows(sub)
    else:
        raw = rows(arr)
    ihdr = struct.pack('>IIBBBBB', w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', ihdr) + png_chunk(b'IDAT', zlib.compress(raw, 9)) + png_chunk(b'IEND', b''))


def save(name, data):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(data)


def pipeline(img, resize, crop):
    steps = []
    if resize is not None:
        steps.append(T.Resize(resize))
    if crop is not None:
        steps.append(T.CenterCrop(crop))
    return T.Compose(steps)(img) if steps else img


def normalised(img, dtype):
    torch.set_default_dtype(dtype)
    try:
        return T.Compose([T.ToTensor(), T.Normalize(MEAN, STD)])(img).numpy()
    finally:
        torch.set_default_dtype(torch.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))

    # --- sources ---
    Image.fromarray(picture(277, 401, 3)).save(os.path.join(OUT, 'land_rgb.png'))
    Image.fromarray(picture(67, 45, 3)).save(os.path.join(OUT, 'port_rgb.png'))
    Image.fromarray(picture(41, 53, 1)[..., 0], 'L').save(os.path.join(OUT, 'grey.png'))
    Image.fromarray(picture(29, 31, 2), 'LA').save(os.path.join(OUT, 'grey_alpha.png'))
    rgba = picture(50, 39, 4)
    rgba[..., 3] = np.linspace(0, 255, 39).astype(np.uint8)[None, :]  # transparent to opaque
    Image.fromarray(rgba, 'RGBA').save(os.path.join(OUT, 'rgba.png'))
    pal = Image.fromarray(picture(35, 47, 3)).quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    pal.info['transparency'] = 3
    pal.save(os.path.join(OUT, 'palette.png'), transparency=3)
    rgb16 = picture(33, 29, 3).astype(np.uint16) * 257 + rng.integers(0, 257, size=(33, 29, 3)).astype(np.uint16)
    write_png(os.path.join(OUT, 'rgb16.png'), rgb16, 16, 2)
    grey16 = (picture(26, 37, 1)[..., 0].astype(np.uint16) * 257) ^ rng.integers(0, 256, size=(26, 37)).astype(np.uint16)
    write_png(os.path.join(OUT, 'grey16.png'), grey16, 16, 0)
    write_png(os.path.join(OUT, 'interlaced.png'), picture(19, 23, 3), 8, 2, interlace=True)
    write_png(os.path.join(OUT, 'interlaced_rgba16.png'), picture(11, 13, 4).astype(np.uint16) * 257, 16, 6, interlace=True)
    Image.fromarray(picture(7, 10, 3)).save(os.path.join(OUT, 'small.png'))
    photo = picture(71, 97, 3)
    Image.fromarray(photo).save(os.path.join(OUT, 'photo420.jpg'), quality=90)
    Image.fromarray(photo).save(os.path.join(OUT, 'photo444.jpg'), quality=95, subsampling=0)
    Image.fromarray(photo).save(os.path.join(OUT, 'photo_progressive.jpg'), quality=85, progressive=True)
    Image.fromarray(photo[..., 1], 'L').save(os.path.join(OUT, 'grey.jpg'), quality=90)

    # --- cases: (name, source, resize, crop, dtypes) ---
    cases = [
        ('land_default', 'land_rgb.png', 256, 224, []),
        ('land_small', 'land_rgb.png', 33, 31, ['f32', 'f64']),
        ('land_pair', 'land_rgb.png', [40, 19], None, ['f32']),
        ('port_default', 'port_rgb.png', 256, 224, []),
        ('port_small', 'port_rgb.png', 20, 17, ['f32', 'f64']),
        ('grey', 'grey.png', 24, 21, ['f32']),
        ('grey_alpha', 'grey_alpha.png', 16, 16, ['f32']),
        ('rgba', 'rgba.png', 30, 25, ['f32']),
        ('palette', 'palette.png', 20, 18, ['f32']),
        ('rgb16', 'rgb16.png', 20, 20, ['f32']),
        ('grey16', 'grey16.png', 22, 19, ['f32']),
        ('interlaced', 'interlaced.png', 21, 15, ['f32']),
        ('interlaced_rgba16', 'interlaced_rgba16.png', None, None, ['f32']),
        ('small_pad', 'small.png', None, 16, ['f32', 'f64']),
        ('small_pad_one', 'small.png', None, 8, ['f32']),
        ('small_up_crop', 'small.png', 12, 9, ['f32']),
        ('small_pair', 'small.png', [12, 9], None, ['f32']),
        ('photo420', 'photo420.jpg', 40, 32, ['f32']),
    ]
    manifest = {'mean': MEAN, 'std': STD, 'torchvision': torchvision.__version__,
                'pillow': Image.__version__, 'cases': [], 'jpeg': []}
    for name, src, resize, crop, dtypes in cases:
        img = Image.open(os.path.join(OUT, src))
        differs = name == 'grey16'
        if differs:  # recap keeps the high byte of 16-bit grey; PIL would clip at 255
            img = Image.fromarray((np.asarray(img).astype(np.uint32) >> 8).astype(np.uint8), 'L')
        img = img.convert('RGB')
        out = pipeline(img, resize, crop)
        u8 = np.asarray(out, dtype=np.uint8)
        save(f'{name}.u8', u8.tobytes())
        entry = {'name': name, 'source': src, 'resize': resize, 'crop': crop,
                 'shape': [u8.shape[0], u8.shape[1]], 'dtypes': dtypes, 'pil_differs': differs}
        for d in dtypes:
            t = normalised(out, torch.float32 if d == 'f32' else torch.float64)
            assert t.dtype == (np.float32 if d == 'f32' else np.float64)
            save(f'{name}.{d}', t.astype('<' + t.dtype.str[1:]).tobytes())
        manifest['cases'].append(entry)
    for src in ['photo420.jpg', 'photo444.jpg', 'photo_progressive.jpg', 'grey.jpg']:
        img = Image.open(os.path.join(OUT, src))
        dec = np.asarray(img.convert('RGB'), dtype=np.uint8)
        save(f'{src[:-4]}.decoded.u8', dec.tobytes())
        manifest['jpeg'].append({'source': src, 'shape': [dec.shape[0], dec.shape[1]], 'mode': img.mode})
    # --- a sweep of Image.resize alone: one noisy RGB image to many sizes, both passes, one pass,
    # 1-pixel results, strong down- and upscaling; the outputs concatenated in sweep.u8 ---
    noise = rng.integers(0, 256, size=(19, 29, 3)).astype(np.uint8)
    Image.fromarray(noise).save(os.path.join(OUT, 'noise.png'))
    sizes = [[1, 1], [19, 1], [1, 29], [19, 29], [19, 13], [7, 29], [38, 58], [3, 2], [20, 30], [18, 28],
             [57, 5], [4, 87], [9, 14], [10, 15], [2, 60], [40, 11], [16, 16], [19, 30], [18, 29], [25, 7]]
    sweep = b''
    for h, w in sizes:
        sweep += np.asarray(Image.fromarray(noise).resize((w, h), Image.BILINEAR)).tobytes()
    save('sweep.u8', sweep)
    manifest['sweep'] = {'source': 'noise.png', 'sizes': sizes}
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files, {total / 1024:.0f} KiB, into {OUT}')


if __name__ == '__main__':
    main()
