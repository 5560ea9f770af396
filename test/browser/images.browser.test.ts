// Images in Chromium: the preprocessing gives torchvision's bits (the same fixtures Node matches
// bit for bit, so the same bits as Node), and toImageInput reads ImageBitmaps, <img>, canvases,
// OffscreenCanvas and VideoFrames.
import { beforeAll, describe, expect, it } from 'vitest';
import { RecapError, init, preprocessImages, resizeAndCrop, toImageInput } from '../../dist/index.js';
import manifest from '../fixtures/images/manifest.json';
import landUrl from '../fixtures/images/land_rgb.png?url';
import landDefaultUrl from '../fixtures/images/land_default.u8?url';
import photoUrl from '../fixtures/images/photo420.decoded.u8?url';
import photoF32Url from '../fixtures/images/photo420.f32?url';
import smallPadF64Url from '../fixtures/images/small_pad.f64?url';
import smallPadU8Url from '../fixtures/images/small_pad.u8?url';

const fetchBytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
const landBlob = async () => (await fetch(landUrl)).blob();

function countDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n + Math.abs(a.length - b.length);
}

beforeAll(async () => {
  await init();
});

describe('preprocessing in Chromium: torchvision\'s bits', () => {
  it('photo420: PIL-decoded pixels, Resize(40), CenterCrop(32), normalised: float32 bit for bit', async () => {
    const c = manifest.cases.find((x) => x.name === 'photo420')!;
    const data = await fetchBytes(photoUrl);
    const t = preprocessImages([{ data, width: 97, height: 71, channels: 3 }], { resize: c.resize as number, crop: c.crop });
    const want = new Float32Array((await fetchBytes(photoF32Url)).buffer);
    expect(countDiff(t.data, want)).toBe(0);
  });

  it('an image smaller than the crop: zero padding, float64 bit for bit', async () => {
    // small_pad.u8 is the padded crop itself; its centre 7 × 10 is the source image
    const padded = await fetchBytes(smallPadU8Url);
    const src = new Uint8Array(7 * 10 * 3);
    for (let y = 0; y < 7; y++) src.set(padded.subarray(((y + 4) * 16 + 3) * 3, ((y + 4) * 16 + 13) * 3), y * 30);
    const t = preprocessImages([{ data: src, width: 10, height: 7, channels: 3 }], { resize: null, crop: 16, dtype: 'float64' });
    const raw = await fetchBytes(smallPadF64Url);
    expect(countDiff(t.data, new Float64Array(raw.buffer))).toBe(0);
  });

  it('land_rgb.png through createImageBitmap and toImageInput, Resize(256), CenterCrop(224): PIL\'s uint8 pixels', async () => {
    const bitmap = await createImageBitmap(await landBlob(), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const img = toImageInput(bitmap);
    expect([img.width, img.height, img.channels]).toEqual([401, 277, 4]);
    const px = resizeAndCrop(img, { resize: 256, crop: 224 });
    expect(countDiff(px.data, await fetchBytes(landDefaultUrl))).toBe(0);
  });
});

describe('toImageInput', () => {
  const pixels = new Uint8ClampedArray(5 * 3 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) & 255));

  it('a canvas, an OffscreenCanvas and an ImageBitmap of opaque pixels give those pixels back', async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 5;
    canvas.height = 3;
    canvas.getContext('2d')!.putImageData(new ImageData(pixels, 5, 3), 0, 0);
    const a = toImageInput(canvas);
    expect([a.width, a.height, a.channels]).toEqual([5, 3, 4]);
    expect([...a.data]).toEqual([...pixels]);
    const off = new OffscreenCanvas(5, 3);
    off.getContext('2d')!.putImageData(new ImageData(pixels, 5, 3), 0, 0);
    expect([...toImageInput(off).data]).toEqual([...pixels]);
    expect([...toImageInput(await createImageBitmap(off)).data]).toEqual([...pixels]);
    const frame = new VideoFrame(off, { timestamp: 0 });
    const f = toImageInput(frame);
    frame.close();
    expect([f.width, f.height]).toEqual([5, 3]);
  });

  it('an <img> must be loaded: a loaded one equals its ImageBitmap, one still loading is a RecapError', async () => {
    const url = URL.createObjectURL(await landBlob());
    const img = new Image();
    expect(() => toImageInput(img, 'photo')).toThrow(RecapError);
    img.src = url;
    await img.decode();
    const a = toImageInput(img);
    const b = toImageInput(await createImageBitmap(img));
    expect([a.width, a.height]).toEqual([401, 277]);
    expect(countDiff(a.data, b.data)).toBe(0);
    URL.revokeObjectURL(url);
    const err = (() => {
      try {
        toImageInput(new Image(), 'images[3]');
      } catch (e) {
        return e as RecapError;
      }
      return null;
    })();
    expect(err?.argument).toBe('images[3]');
    expect(err?.expected).toMatch(/decode/);
  });

  it('preprocessImages takes the browser sources directly', async () => {
    const bitmap = await createImageBitmap(await landBlob());
    const a = preprocessImages([bitmap], { resize: 32, crop: 30 });
    const b = preprocessImages([toImageInput(bitmap)], { resize: 32, crop: 30 });
    expect(countDiff(a.data, b.data)).toBe(0);
    expect(() => preprocessImages([document.createElement('div') as unknown as ImageBitmap])).toThrow(/images\[0\]: expected an ImageInput/);
  });
});
