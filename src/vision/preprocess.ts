// torchvision's standard preprocessing, the same bits in every engine: convert('RGB'),
// Resize (PIL bilinear with its antialiasing, in wasm: assembly/resample.ts), CenterCrop
// (zero padding for small images), ToTensor, Normalize. Browser-safe.
import { RecapError, fail } from '../core/errors.js';
import { kernels, rt } from '../core/runtime.js';
import { withScratch, type Scratch } from '../core/memory.js';
import { Tensor, MAX_ELEMENTS, type FloatDType } from '../core/tensor.js';
import { checkImageInput, checkImageSize, writeRgb, type ImageInput, type RgbImageInput } from './image.js';
import { toImageInput } from './browser-image.js';

export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** A size as torchvision takes it: one number, or [height, width]. */
export type ImageSize = number | readonly [number, number];

export interface PreprocessOptions {
  /** Resize(n): the shorter side to n, the longer to int(n · long / short); [h, w]: exactly that; null: no resize. Default 256. */
  resize?: ImageSize | null;
  /** CenterCrop(n) (or [h, w]), zero-padded when the image is smaller; null: no crop. Default 224. */
  crop?: ImageSize | null;
  /** Normalize's per-channel mean and std (default ImageNet's). */
  mean?: readonly number[];
  std?: readonly number[];
  /** The tensor's dtype (default float32, torchvision's; float64 computes (v/255 − mean)/std in float64). */
  dtype?: FloatDType;
}

interface Plan {
  resize: ImageSize | null;
  crop: ImageSize | null;
  mean: readonly number[];
  std: readonly number[];
  dtype: FloatDType;
}

function checkSize(name: string, v: unknown): ImageSize | null {
  if (v === null) return null;
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65_535;
  if (ok(v)) return v as number;
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  return fail(name, 'an integer in [1, 65535], a pair [height, width] of them, or null', v);
}

function checkTriple(name: string, v: unknown, positive: boolean): readonly number[] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) {
    fail(name, `3 finite numbers${positive ? ' > 0' : ''} (one per RGB channel)`, v);
  }
  return v;
}

function plan(options: unknown): Plan {
  if (options !== undefined && (typeof options !== 'object' || options === null)) fail('options', 'an object or undefined', options);
  const o = (options ?? {}) as PreprocessOptions;
  const dtype = o.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') fail('options.dtype', "'float32' or 'float64'", dtype);
  return {
    resize: o.resize === undefined ? 256 : checkSize('options.resize', o.resize),
    crop: o.crop === undefined ? 224 : checkSize('options.crop', o.crop),
    mean: o.mean === undefined ? IMAGENET_MEAN : checkTriple('options.mean', o.mean, false),
    std: o.std === undefined ? IMAGENET_STD : checkTriple('options.std', o.std, true),
    dtype,
  };
}

/**
 * The size [height, width] torchvision 0.14's `Resize(size)` gives an image of height h and
 * width w (`_compute_resized_output_size`): a number resizes the shorter side to it and the
 * longer to int(size · long / short) (truncated); a pair is [height, width] as is.
 */
export function resizedSize(h: number, w: number, size: ImageSize): [number, number] {
  if (typeof size !== 'number') return [size[0], size[1]];
  const [short, long] = w <= h ? [w, h] : [h, w];
  const newLong = Math.trunc((size * long) / short);
  return w <= h ? [newLong, size] : [size, newLong];
}

/** Python's round(x) of x = d / 2 for an integer d: halves go to the even neighbour. */
function roundHalf(d: number): number {
  const q = Math.floor(d / 2);
  return d % 2 === 0 || q % 2 === 0 ? q : q + 1;
}

/**
 * The top-left corner, in the image's coordinates, of torchvision 0.14's `CenterCrop` of size
 * (ch, cw) on an (h, w) image: int(round((h − ch) / 2)) (Python's round: halves to even), or,
 * along a side the crop is larger than, minus the zero padding torchvision adds first
 * ((ch − h) // 2 before).
 */
export function centerCropOffset(h: number, w: number, ch: number, cw: number): [number, number] {
  const along = (n: number, c: number) => (c > n ? 0 - Math.floor((c - n) / 2) : roundHalf(n - c));
  return [along(h, ch), along(w, cw)];
}

interface Shape {
  h: number; w: number; // after the resize
  ch: number; cw: number; top: number; left: number; // the crop (the whole image when none)
}

/** A checked image and its channel count. */
interface Source { img: ImageInput; channels: 1 | 3 | 4 }

function shapeOf(name: string, img: ImageInput, p: Plan): Shape {
  const [h, w] = p.resize === null ? [img.height, img.width] : resizedSize(img.height, img.width, p.resize);
  checkImageSize(`${name} resized by options.resize`, w, h);
  if (p.crop === null) return { h, w, ch: h, cw: w, top: 0, left: 0 };
  const [ch, cw] = typeof p.crop === 'number' ? [p.crop, p.crop] : p.crop;
  const [top, left] = centerCropOffset(h, w, ch, cw);
  return { h, w, ch, cw, top, left };
}

/**
 * The image converted to RGB (written straight into wasm memory: no JS copy) and resized to
 * (h, w) there (PIL bilinear); the pixels' address, freed with `s`.
 */
function resizeInWasm(s: Scratch, { img, channels }: Source, h: number, w: number): number {
  const bytes = (n: number) => s.alloc('int32', Math.ceil(n / 4)).ptr;
  const { width: W, height: H } = img;
  const inp = bytes(H * W * 3);
  writeRgb(new Uint8Array(rt().memory.buffer, inp, H * W * 3), img, channels);
  if (h === H && w === W) return inp;
  const k = kernels();
  const ksh = k.resample_ksize(W, w), ksv = k.resample_ksize(H, h);
  const out = bytes(h * w * 3);
  const tmp = bytes(H * w * 3);
  const bh = bytes(w * 8), kh = bytes(w * ksh * 4), bv = bytes(h * 8), kv = bytes(h * ksv * 4);
  k.resample_bilinear_u8(out, inp, tmp, bh, kh, bv, kv, H, W, h, w, 3, ksh, ksv);
  return out;
}

function imagesOf(images: unknown, what: string): unknown[] {
  const list = Array.isArray(images) ? images : [images];
  if (list.length === 0) fail(what, 'at least one image', '[]');
  return list;
}

/**
 * Every image checked with its shape (and the batch's common size) before any wasm work; browser
 * sources are read back here, plain images are not copied (each is converted to RGB in wasm
 * memory when its turn comes).
 */
function prepare(images: unknown, p: Plan, what = 'images'): { sources: Source[]; shapes: Shape[] } {
  const list = imagesOf(images, what);
  const many = Array.isArray(images);
  const sources: Source[] = [];
  const shapes: Shape[] = [];
  list.forEach((x, i) => {
    const name = many ? `${what}[${i}]` : what;
    const img = toImageInput(x, name);
    const channels = checkImageInput(name, img);
    const sh = shapeOf(name, img, p);
    if (shapes.length && (sh.ch !== shapes[0].ch || sh.cw !== shapes[0].cw)) {
      throw new RecapError(name, `the batch's size ${shapes[0].ch} × ${shapes[0].cw} after resize and crop (as images[0])`,
        `${sh.ch} × ${sh.cw}`, 'give a crop, or a [height, width] resize, so every image ends at one size');
    }
    sources.push({ img, channels });
    shapes.push(sh);
  });
  const elements = list.length * 3 * shapes[0].ch * shapes[0].cw;
  if (elements > MAX_ELEMENTS) fail('images', `at most ${MAX_ELEMENTS} tensor elements`, elements);
  return { sources, shapes };
}

/**
 * torchvision's `Compose([Resize(resize), CenterCrop(crop), ToTensor(), Normalize(mean, std)])`
 * on `Image.convert('RGB')` of each image: a tensor (N, 3, crop, crop), NCHW. Every image of a
 * batch must end at the same size. float32 results equal torchvision's bit for bit.
 */
export function preprocessImages(images: ImageInput | ImageInput[] | readonly unknown[], options?: PreprocessOptions): Tensor {
  const p = plan(options);
  const { sources, shapes } = prepare(images, p);
  const { ch, cw } = shapes[0];
  const plane = 3 * ch * cw;
  const out = p.dtype === 'float32' ? new Float32Array(sources.length * plane) : new Float64Array(sources.length * plane);
  const k = kernels();
  const normalize = p.dtype === 'float32' ? k.f32_crop_normalize : k.f64_crop_normalize;
  sources.forEach((src, i) => withScratch((s) => {
    const sh = shapes[i];
    const px = resizeInWasm(s, src, sh.h, sh.w);
    const dst = s.alloc(p.dtype, plane);
    normalize(dst.ptr, px, sh.h, sh.w, sh.top, sh.left, ch, cw, p.mean[0], p.mean[1], p.mean[2], p.std[0], p.std[1], p.std[2]);
    out.set(dst.view(), i * plane);
  }));
  return new Tensor(out, [sources.length, 3, ch, cw]);
}

/**
 * The 8-bit pixels of the same pipeline before ToTensor: `Resize(resize)` then `CenterCrop(crop)`
 * (zero padding) of `convert('RGB')`, as an RGB ImageInput ((H, W, 3) bytes). PIL's result bit
 * for bit. `name` names the image in errors.
 */
export function resizeAndCrop(image: ImageInput | unknown, options?: Pick<PreprocessOptions, 'resize' | 'crop'>, name = 'image'): RgbImageInput {
  if (Array.isArray(image)) fail(name, 'one image (preprocessImages takes a batch)', `an array of ${image.length}`);
  const p = plan(options);
  const { sources: [source], shapes: [sh] } = prepare(image, p, name);
  return withScratch((s) => {
    const px = resizeInWasm(s, source, sh.h, sh.w);
    const src = new Uint8Array(rt().memory.buffer, px, sh.h * sh.w * 3);
    const out = new Uint8Array(sh.ch * sh.cw * 3);
    for (let i = 0; i < sh.ch; i++) {
      const y = i + sh.top;
      if (y < 0 || y >= sh.h) continue;
      const x0 = Math.max(0, sh.left), x1 = Math.min(sh.w, sh.left + sh.cw);
      if (x1 > x0) out.set(src.subarray((y * sh.w + x0) * 3, (y * sh.w + x1) * 3), (i * sh.cw + x0 - sh.left) * 3);
    }
    return { data: out, width: sh.cw, height: sh.ch, channels: 3 };
  });
}
