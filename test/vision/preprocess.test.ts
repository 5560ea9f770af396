// preprocessImages / resizeAndCrop against PIL + torchvision 0.14 (fixtures made by
// scripts/make-image-fixtures.py), torchvision's size and offset rules, PIL's convert('RGB'),
// batches, and every bad input as a RecapError naming the argument.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  RecapError, centerCropOffset, init, memoryStats, preprocessImages, resizeAndCrop, resizedSize, toImageInput, toRgb,
  MAX_IMAGE_PIXELS, type ImageInput,
} from '../../src/index.js';
import { runPilChecks } from './pil-checks.js';

beforeAll(() => init());

describe('against PIL + torchvision (SIMD build)', () => runPilChecks());

function image(width: number, height: number, channels: 1 | 3 | 4, seed = 1): ImageInput {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { data, width, height, channels };
}

function recapError(fn: () => unknown, argument: string | RegExp): RecapError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RecapError);
    const err = e as RecapError;
    if (typeof argument === 'string') expect(err.argument).toBe(argument);
    else expect(err.argument).toMatch(argument);
    return err;
  }
  throw new Error('expected a RecapError');
}

describe("torchvision 0.14's sizes", () => {
  it('Resize(n): the shorter side to n, the longer int(n · long / short), truncated; a pair as is', () => {
    expect(resizedSize(277, 401, 256)).toEqual([256, 370]); // 370.59
    expect(resizedSize(401, 277, 256)).toEqual([370, 256]);
    expect(resizedSize(100, 100, 256)).toEqual([256, 256]);
    expect(resizedSize(3, 1000, 256)).toEqual([256, 85333]);
    expect(resizedSize(480, 640, [224, 300])).toEqual([224, 300]);
    expect(resizedSize(7, 10, 12)).toEqual([12, 17]); // 17.14
  });

  it("CenterCrop: int(round((h − c) / 2)) with Python's round (halves to even); zero padding before it for a small image", () => {
    expect(centerCropOffset(225, 224, 224, 224)).toEqual([0, 0]); // round(0.5) = 0
    expect(centerCropOffset(227, 229, 224, 224)).toEqual([2, 2]); // round(1.5) = 2, round(2.5) = 2
    expect(centerCropOffset(231, 233, 224, 224)).toEqual([4, 4]); // round(3.5) = 4, round(4.5) = 4
    expect(centerCropOffset(256, 370, 224, 224)).toEqual([16, 73]);
    expect(centerCropOffset(7, 10, 16, 16)).toEqual([-4, -3]); // pads (16 − 7) // 2 = 4 above, 3 left
    expect(centerCropOffset(7, 10, 8, 8)).toEqual([0, 1]); // pads one row below (0 above), crops 1 left
  });
});

describe("convert('RGB')", () => {
  it('replicates grey, drops alpha without compositing, takes ImageData-like objects (no channels) as RGBA', () => {
    const grey = toRgb('g', { data: new Uint8Array([7, 200]), width: 2, height: 1, channels: 1 });
    expect([...grey.data]).toEqual([7, 7, 7, 200, 200, 200]);
    const rgba = toRgb('a', { data: new Uint8ClampedArray([10, 20, 30, 0, 40, 50, 60, 128]), width: 1, height: 2 });
    expect([...rgba.data]).toEqual([10, 20, 30, 40, 50, 60]);
    const rgb = image(3, 2, 3);
    expect(toRgb('r', rgb).data).toBe(rgb.data); // no copy
  });

  it('an image given as grey, RGB or RGBA bytes of the same picture preprocesses to the same bits', () => {
    const rgb = image(19, 11, 3);
    const rgba = new Uint8Array(19 * 11 * 4);
    for (let i = 0; i < 19 * 11; i++) rgba.set([...rgb.data.subarray(i * 3, i * 3 + 3), (i * 37) & 255], i * 4);
    const a = preprocessImages([rgb], { resize: 8, crop: 7 });
    const b = preprocessImages([{ data: rgba, width: 19, height: 11, channels: 4 }], { resize: 8, crop: 7 });
    expect(b.data).toEqual(a.data);
    const g = image(19, 11, 1);
    const g3 = new Uint8Array(19 * 11 * 3).map((_, i) => g.data[Math.floor(i / 3)]);
    expect(preprocessImages([g], { resize: 8, crop: 7 }).data).toEqual(preprocessImages([{ data: g3, width: 19, height: 11, channels: 3 }], { resize: 8, crop: 7 }).data);
  });
});

describe('batches and options', () => {
  it('a batch is its images stacked; a single image is a batch of one', () => {
    const imgs = [image(40, 30, 3, 1), image(23, 51, 1, 2), image(33, 33, 4, 3)];
    const batch = preprocessImages(imgs, { resize: 20, crop: 16 });
    expect(batch.shape).toEqual([3, 3, 16, 16]);
    imgs.forEach((img, i) => {
      const one = preprocessImages(img, { resize: 20, crop: 16 });
      expect(one.shape).toEqual([1, 3, 16, 16]);
      expect(batch.data.subarray(i * 768, (i + 1) * 768)).toEqual(one.data);
    });
  });

  it('defaults: Resize(256), CenterCrop(224), ImageNet mean and std, float32', () => {
    const img = image(300, 200, 3);
    const t = preprocessImages([img]);
    expect(t.shape).toEqual([1, 3, 224, 224]);
    expect(t.dtype).toBe('float32');
    const same = preprocessImages([img], { resize: 256, crop: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], dtype: 'float32' });
    expect(t.data).toEqual(same.data);
  });

  it('null skips a step; mean 0, std 1 gives v / 255; float64 is (v/255 − mean)/std in float64', () => {
    const img = image(5, 4, 3);
    const t = preprocessImages([img], { resize: null, crop: null, mean: [0, 0, 0], std: [1, 1, 1], dtype: 'float64' });
    expect(t.shape).toEqual([1, 3, 4, 5]);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 20; p++) expect(t.data[c * 20 + p]).toBe(img.data[p * 3 + c] / 255);
    const px = resizeAndCrop(img, { resize: null, crop: null });
    expect(px.data).toEqual(img.data);
  });

  it('images that end at different sizes cannot share a batch (no crop): a RecapError naming the image', () => {
    const err = recapError(() => preprocessImages([image(10, 8, 3), image(8, 10, 3)], { resize: 6, crop: null }), 'images[1]');
    expect(err.message).toMatch(/6 × 7/);
    expect(preprocessImages([image(10, 8, 3), image(8, 10, 3)], { resize: [6, 6], crop: null }).shape).toEqual([2, 3, 6, 6]);
  });

  it('frees its wasm memory', () => {
    const before = memoryStats().inUse;
    preprocessImages([image(64, 48, 3), image(48, 64, 4)], { resize: 32, crop: 30 });
    resizeAndCrop(image(20, 20, 1), { resize: 9, crop: 12 });
    expect(memoryStats().inUse).toBe(before);
  });
});

describe('bad input: a RecapError naming the argument, before anything runs', () => {
  const ok = image(4, 4, 3);
  it('images', () => {
    recapError(() => preprocessImages([]), 'images');
    recapError(() => preprocessImages([ok, null as unknown as ImageInput]), 'images[1]');
    recapError(() => preprocessImages([{ width: 2, height: 2 } as unknown as ImageInput]), 'images[0]');
    recapError(() => preprocessImages([{ data: [1, 2, 3], width: 1, height: 1, channels: 3 } as unknown as ImageInput]), 'images[0].data');
    recapError(() => preprocessImages({ data: new Uint8Array(0), width: 0, height: 0, channels: 3 }), 'images.width');
    recapError(() => preprocessImages([{ data: new Uint8Array(12), width: 2, height: 2, channels: 2 as 3 }]), 'images[0].channels');
    const err = recapError(() => preprocessImages([{ data: new Uint8Array(11), width: 2, height: 2, channels: 3 }]), 'images[0].data');
    expect(err.expected).toMatch(/12 bytes/);
    recapError(() => preprocessImages([{ data: new Uint8Array(3), width: 1.5, height: 2, channels: 1 }]), 'images[0].width');
    recapError(() => preprocessImages([{ data: new Uint8Array(1), width: 70_000, height: 1, channels: 1 }]), 'images[0].width');
    // absurdly large: over PIL's MAX_IMAGE_PIXELS, refused before the bytes are even looked at
    const huge = recapError(() => preprocessImages([{ data: new Uint8Array(1), width: 10_000, height: 10_000, channels: 1 }]), 'images[0]');
    expect(huge.expected).toContain(String(MAX_IMAGE_PIXELS));
    // a resize whose result is absurdly large (a 1-pixel-high strip to 256 high)
    recapError(() => preprocessImages([{ data: new Uint8Array(60_000), width: 60_000, height: 1, channels: 1 }]), /images\[0\] resized/);
  });

  it('options', () => {
    recapError(() => preprocessImages([ok], { resize: 0 }), 'options.resize');
    recapError(() => preprocessImages([ok], { resize: [2, 0] as [number, number] }), 'options.resize');
    recapError(() => preprocessImages([ok], { crop: 2.5 }), 'options.crop');
    recapError(() => preprocessImages([ok], { mean: [0.5, 0.5] }), 'options.mean');
    recapError(() => preprocessImages([ok], { std: [1, 0, 1] }), 'options.std');
    recapError(() => preprocessImages([ok], { mean: [0, NaN, 0] }), 'options.mean');
    recapError(() => preprocessImages([ok], { dtype: 'int32' as 'float32' }), 'options.dtype');
    recapError(() => preprocessImages([ok], 3 as unknown as object), 'options');
  });

  it('toImageInput in Node: plain images pass, anything else is named', () => {
    expect(toImageInput(ok)).toBe(ok);
    const err = recapError(() => toImageInput(new Map(), 'photo'), 'photo');
    expect(err.actual).toBe('a Map');
    recapError(() => preprocessImages(['cat.jpg' as unknown as ImageInput]), 'images[0]');
    recapError(() => resizeAndCrop([ok, ok]), 'image');
    recapError(() => resizeAndCrop({ ...ok, channels: 2 as 3 }), 'image.channels');
  });
});
