// Browser image sources → ImageInput, through a 2D canvas's getImageData (sRGB). Browser-safe:
// every DOM global is looked up at run time, so this module loads in Node, Deno and workers.
import { RecapError } from '../core/errors.js';
import { kindOf, type ImageInput } from './image.js';

const SOURCES = 'an ImageInput { data, width, height, channels } (ImageData is one) or, in browsers, an ImageBitmap, ' +
  'HTMLImageElement, HTMLCanvasElement, OffscreenCanvas or VideoFrame';

type Ctor = abstract new (...args: never[]) => unknown;

/** The global constructor `name` when this engine has it. */
function global(name: string): Ctor | undefined {
  const g = (globalThis as Record<string, unknown>)[name];
  return typeof g === 'function' ? (g as Ctor) : undefined;
}

function isA(x: unknown, name: string): boolean {
  const C = global(name);
  return C !== undefined && x instanceof C;
}

/** A plain ImageInput (or ImageData): an object with data, width and height (checked later). */
function isImageInput(x: unknown): x is ImageInput {
  if (typeof x !== 'object' || x === null) return false;
  const d = (x as { data?: unknown }).data;
  return d !== undefined && !(d instanceof ArrayBuffer) && 'width' in x && 'height' in x;
}

/** The drawable's size, or a RecapError when it has none (an image not loaded yet, a closed frame). */
function sizeOf(name: string, x: object): [number, number] {
  if (isA(x, 'HTMLImageElement')) {
    const img = x as HTMLImageElement;
    if (!img.complete || img.naturalWidth === 0 || img.naturalHeight === 0) {
      throw new RecapError(name, 'a loaded, decoded image (await img.decode() before passing it)',
        `an HTMLImageElement ${img.complete ? 'that failed to load' : 'still loading'} (${img.naturalWidth} × ${img.naturalHeight})`);
    }
    return [img.naturalWidth, img.naturalHeight];
  }
  if (isA(x, 'VideoFrame')) {
    const f = x as VideoFrame;
    if (f.format === null || f.displayWidth === 0) throw new RecapError(name, 'an open VideoFrame', 'a closed VideoFrame');
    return [f.displayWidth, f.displayHeight];
  }
  const c = x as { width: number; height: number };
  if (!(c.width >= 1 && c.height >= 1)) {
    throw new RecapError(name, 'a drawable of at least 1 × 1 pixels', `${kindOf(x)} of ${c.width} × ${c.height}${isA(x, 'ImageBitmap') ? ' (closed?)' : ''}`);
  }
  return [c.width, c.height];
}

/** A 2D context of w × h pixels: an OffscreenCanvas where there is one, else a <canvas>. */
function context2d(w: number, h: number): CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D {
  const settings = { colorSpace: 'srgb' as const, willReadFrequently: true };
  const Offscreen = global('OffscreenCanvas') as (new (w: number, h: number) => OffscreenCanvas) | undefined;
  let ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (Offscreen) ctx = new Offscreen(w, h).getContext('2d', settings) as OffscreenCanvasRenderingContext2D | null;
  else {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    ctx = canvas.getContext('2d', settings) as CanvasRenderingContext2D | null;
  }
  if (!ctx) throw new RecapError('canvas', 'a 2D canvas context to read pixels from', 'none (the engine refused one)');
  return ctx;
}

/**
 * Any image recap takes as an ImageInput. A plain ImageInput (or an ImageData) is returned as
 * is. An ImageBitmap, HTMLImageElement (loaded), HTMLCanvasElement, OffscreenCanvas or
 * VideoFrame is drawn on a 2D canvas and read back with getImageData in sRGB: 4 channels, the
 * image's natural size. Canvases store premultiplied alpha, so the RGB of translucent pixels
 * comes back rounded (an opaque pixel is exact); images are colour-managed to sRGB and
 * EXIF-oriented by the browser, which PIL does not do. `name` names the argument in errors.
 */
export function toImageInput(x: unknown, name = 'image'): ImageInput {
  if (isImageInput(x)) return x;
  const drawable = ['ImageBitmap', 'HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'VideoFrame'].some((n) => isA(x, n));
  if (!drawable) throw new RecapError(name, SOURCES, kindOf(x));
  const [w, h] = sizeOf(name, x as object);
  const ctx = context2d(w, h);
  ctx.drawImage(x as CanvasImageSource, 0, 0, w, h);
  const data = ctx.getImageData(0, 0, w, h, { colorSpace: 'srgb' });
  return { data: data.data, width: w, height: h, channels: 4 };
}
