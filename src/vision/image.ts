// Images as bytes: the ImageInput type, its checks, and the conversion to RGB that torchvision's
// loader does with PIL (`Image.open(f).convert('RGB')`). Browser-safe.
import { RecapError, fail, describe } from '../core/errors.js';

/**
 * An 8-bit image, rows top to bottom, `channels` interleaved bytes per pixel: 1 grey, 3 RGB,
 * 4 RGBA. An `ImageData` is one (it has no `channels`: taken as 4).
 */
export interface ImageInput {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels?: 1 | 3 | 4;
}

/** An RGB image: 3 bytes per pixel. */
export interface RgbImageInput {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

/**
 * The most pixels recap takes in one image (width·height), in and after a resize: PIL's own
 * decompression-bomb limit (`Image.MAX_IMAGE_PIXELS`, 89,478,485: about 9459 × 9459; a larger
 * image warns in PIL and one twice as large is refused). Each side is at most 65535.
 */
export const MAX_IMAGE_PIXELS = 89_478_485;
export const MAX_IMAGE_SIDE = 65_535;

/** Checks a size pair for `name` (an image or a resize result): integers in [1, MAX_IMAGE_SIDE], at most MAX_IMAGE_PIXELS pixels. */
export function checkImageSize(name: string, width: unknown, height: unknown): void {
  for (const [what, v] of [['width', width], ['height', height]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(`${name}.${what}`, 'a positive integer (no zero-sized images)', v);
    if (v > MAX_IMAGE_SIDE) fail(`${name}.${what}`, `at most ${MAX_IMAGE_SIDE} pixels`, v);
  }
  const pixels = (width as number) * (height as number);
  if (pixels > MAX_IMAGE_PIXELS) {
    fail(name, `at most ${MAX_IMAGE_PIXELS} pixels (PIL's MAX_IMAGE_PIXELS)`, `${width} × ${height} = ${pixels}`);
  }
}

/** Checks `x` is an ImageInput (named `name` in errors) and returns its channel count. */
export function checkImageInput(name: string, x: unknown): 1 | 3 | 4 {
  if (typeof x !== 'object' || x === null) fail(name, 'an image { data, width, height, channels }', x === null ? 'null' : typeof x);
  const img = x as Partial<ImageInput>;
  if (!(img.data instanceof Uint8Array || img.data instanceof Uint8ClampedArray)) {
    fail(`${name}.data`, 'a Uint8Array or Uint8ClampedArray', img.data === undefined ? 'undefined' : Object.prototype.toString.call(img.data));
  }
  checkImageSize(name, img.width, img.height);
  const channels = img.channels === undefined ? 4 : img.channels;
  if (channels !== 1 && channels !== 3 && channels !== 4) fail(`${name}.channels`, '1 (grey), 3 (RGB) or 4 (RGBA)', channels);
  const want = (img.width as number) * (img.height as number) * channels;
  if (img.data.length !== want) {
    throw new RecapError(`${name}.data`, `width · height · channels = ${img.width} · ${img.height} · ${channels} = ${want} bytes`, `${img.data.length}`);
  }
  return channels;
}

/**
 * Writes the RGB bytes of a checked image (`channels` from checkImageInput) into `dst`
 * (width·height·3 bytes), as PIL's `convert('RGB')`: grey replicated into R, G and B; alpha
 * dropped (no compositing on a background: a transparent pixel keeps its colour).
 */
export function writeRgb(dst: Uint8Array, img: ImageInput, channels: 1 | 3 | 4): void {
  const n = img.width * img.height;
  const src = img.data;
  if (channels === 3) dst.set(src.subarray(0, n * 3));
  else if (channels === 1) {
    for (let i = 0, o = 0; i < n; i++, o += 3) dst[o] = dst[o + 1] = dst[o + 2] = src[i];
  } else {
    for (let i = 0, o = 0, s = 0; i < n; i++, o += 3, s += 4) {
      dst[o] = src[s];
      dst[o + 1] = src[s + 1];
      dst[o + 2] = src[s + 2];
    }
  }
}

/** The image as RGB bytes (see writeRgb); an RGB Uint8Array input is returned as is (not copied). */
export function toRgb(name: string, x: unknown): RgbImageInput {
  const channels = checkImageInput(name, x);
  const img = x as ImageInput;
  const { width, height } = img;
  if (channels === 3 && img.data instanceof Uint8Array) return { data: img.data, width, height, channels: 3 };
  const out = new Uint8Array(width * height * 3);
  writeRgb(out, img, channels);
  return { data: out, width, height, channels: 3 };
}

/** Names the kind of a value for error messages. */
export function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return describe(x);
  const ctor = (x as { constructor?: { name?: string } }).constructor?.name;
  return ctor ? `a ${ctor}` : 'an object';
}
