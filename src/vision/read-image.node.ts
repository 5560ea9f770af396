// readImage: PNG and JPEG files → ImageInput, decoded as PIL decodes them (Node only: the JPEG
// decoder's wasm is read from node_modules). PNG: fast-png (pure JS); JPEG: @jsquash/jpeg
// (MozJPEG's libjpeg-turbo decoder in wasm: the IDCT and upsampling PIL's libjpeg-turbo uses).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { decode as decodePng, type DecodedPng } from 'fast-png';
import { RecapError } from '../core/errors.js';
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, type ImageInput } from './image.js';

type JpegDecode = (buffer: ArrayBuffer, options?: { preserveOrientation?: boolean }) => Promise<{ data: Uint8ClampedArray; width: number; height: number }>;

/** Every failure: a RecapError naming the file, saying what was wrong with it. */
function bad(file: string, actual: string, expected = 'a complete, valid PNG or JPEG file'): never {
  throw new RecapError(file, expected, actual);
}

let jpeg: Promise<JpegDecode> | null = null;
/** libjpeg's warnings of the running decode (printed through the module's printErr). */
let jpegWarnings: string[] = [];
/** JPEG decodes run one after another, so each reads only its own warnings. */
let jpegQueue: Promise<unknown> = Promise.resolve();

function jpegDecoder(): Promise<JpegDecode> {
  jpeg ??= (async () => {
    const mod = await import('@jsquash/jpeg/decode.js');
    const wasmPath = createRequire(import.meta.url).resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm');
    const wasm = await WebAssembly.compile(await readFile(wasmPath));
    const init = mod.init as unknown as (m: WebAssembly.Module, o: object) => Promise<void>;
    await init(wasm, { print: () => {}, printErr: (m: string) => jpegWarnings.push(m) });
    return mod.default as unknown as JpegDecode;
  })();
  return jpeg;
}

/** The size limits of image.ts, checked on a file's header before anything is decoded. */
function checkHeaderSize(file: string, width: number, height: number): void {
  if (width < 1 || height < 1) bad(file, `a zero-sized image (${width} × ${height})`, 'an image of at least 1 × 1 pixels');
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    bad(file, `${width} × ${height} pixels`, `at most ${MAX_IMAGE_PIXELS} pixels, ${MAX_IMAGE_SIDE} a side (PIL's decompression-bomb limit)`);
  }
}

/** The frame size and component count from a JPEG's first SOFn marker (before decoding anything). */
function jpegFrame(file: string, b: Uint8Array): [number, number, number] {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) bad(file, `a corrupt JPEG (no marker at byte ${i})`);
    const m = b[i + 1];
    if (m === 0xff) { i++; continue; }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { i += 2; continue; }
    const len = (b[i + 2] << 8) | b[i + 3];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (i + 10 > b.length) break;
      return [(b[i + 7] << 8) | b[i + 8], (b[i + 5] << 8) | b[i + 6], b[i + 9]];
    }
    if (m === 0xd9 || m === 0xda || len < 2) break; // end of image or scan data before any frame
    i += 2 + len;
  }
  bad(file, 'a truncated or corrupt JPEG (no frame header)');
}

async function readJpeg(file: string, bytes: Uint8Array): Promise<ImageInput> {
  const [width, height, components] = jpegFrame(file, bytes);
  checkHeaderSize(file, width, height);
  if (components !== 1 && components !== 3) bad(file, `a JPEG of ${components} components (CMYK/YCCK is not supported)`, 'a grey or colour JPEG (1 or 3 components)');
  const decode = await jpegDecoder();
  const run = jpegQueue.then(async () => {
    jpegWarnings = [];
    try {
      return { out: await decode(bytes.slice().buffer, { preserveOrientation: false }), warnings: jpegWarnings };
    } catch (e) {
      return { error: (e as Error).message, warnings: jpegWarnings };
    }
  });
  jpegQueue = run;
  const { out, error, warnings } = await run;
  if (!out) bad(file, `a corrupt JPEG (${[...warnings, error].join('; ')})`);
  // libjpeg fills a truncated file with grey and warns; PIL refuses it ("image file is truncated")
  const truncated = warnings.find((w) => /premature end/i.test(w));
  if (truncated) bad(file, `a truncated JPEG (${truncated})`);
  if (out.width !== width || out.height !== height || out.data.length !== width * height * 4) {
    bad(file, `a corrupt JPEG (decoded ${out.width} × ${out.height}, header ${width} × ${height})`);
  }
  return { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length), width, height, channels: 4 };
}

/** Sample s of a row of `depth`-bit samples (1, 2, 4 bits packed high bit first, 8, or 16). */
function sample(data: Uint8Array | Uint16Array, rowStart: number, s: number, depth: number): number {
  if (depth >= 8) return data[rowStart + s];
  const bit = s * depth;
  return (data[rowStart + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

/**
 * PNG → 8 bits per channel as PIL opens and converts it: 16-bit samples keep their high byte
 * (PIL's RGB;16B / LA;16B / RGBA;16B rawmodes), grey of 1, 2 or 4 bits is scaled to 0..255,
 * palette indices become their colours (alpha from tRNS kept as a fourth channel), grey+alpha
 * becomes RGBA.
 */
function fromPng(file: string, png: DecodedPng): ImageInput {
  const { width, height, depth, channels } = png;
  const data = png.data as Uint8Array | Uint16Array;
  const palette = png.palette;
  const perRow = depth >= 8 ? width * channels : Math.ceil((width * depth) / 8);
  if (data.length < perRow * height) bad(file, `a truncated PNG (${data.length} of ${perRow * height} samples)`);
  if (depth === 8 && !palette && channels !== 2) {
    return { data: data.subarray(0, perRow * height) as Uint8Array, width, height, channels: channels as 1 | 3 | 4 };
  }
  const shift = depth === 16 ? 8 : 0;
  const scale = depth < 8 && !palette ? 255 / ((1 << depth) - 1) : 1;
  const outChannels = palette ? (palette.some((p) => p.length > 3 && p[3] !== 255) ? 4 : 3) : channels === 2 ? 4 : channels;
  const out = new Uint8Array(width * height * outChannels);
  for (let y = 0, o = 0; y < height; y++) {
    const row = y * perRow;
    for (let x = 0; x < width; x++) {
      if (palette) {
        const entry = palette[sample(data, row, x, depth)];
        if (!entry) bad(file, `a corrupt PNG (palette index past its ${palette.length} colours)`);
        for (let c = 0; c < outChannels; c++) out[o++] = c < 3 ? entry[c] : (entry[3] ?? 255);
      } else if (channels === 2) {
        const g = data[row + x * 2] >> shift;
        out[o++] = g; out[o++] = g; out[o++] = g;
        out[o++] = data[row + x * 2 + 1] >> shift;
      } else if (depth < 8) {
        out[o++] = Math.round(sample(data, row, x, depth) * scale);
      } else {
        for (let c = 0; c < channels; c++) out[o++] = data[row + x * channels + c] >> shift;
      }
    }
  }
  return { data: out, width, height, channels: outChannels as 1 | 3 | 4 };
}

function readPng(file: string, bytes: Uint8Array): ImageInput {
  if (bytes.length < 33) bad(file, 'a truncated PNG (no IHDR chunk)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  checkHeaderSize(file, view.getUint32(16), view.getUint32(20));
  let png: DecodedPng;
  try {
    png = decodePng(bytes, { checkCrc: true });
  } catch (e) {
    bad(file, `a corrupt or truncated PNG (${(e as Error).message})`);
  }
  return fromPng(file, png);
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decodes PNG or JPEG bytes (told by their first bytes) to an ImageInput: 1 (grey), 3 (RGB) or
 * 4 (RGBA) channels of 8 bits. `name` names the data in errors (a RecapError).
 */
export async function decodeImage(bytes: Uint8Array, name = 'image'): Promise<ImageInput> {
  if (!(bytes instanceof Uint8Array)) bad(name, Object.prototype.toString.call(bytes), 'the bytes of a PNG or JPEG file as a Uint8Array');
  if (bytes.length >= 8 && PNG_MAGIC.every((v, i) => bytes[i] === v)) return readPng(name, bytes);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpeg(name, bytes);
  const head = Array.from(bytes.subarray(0, 8), (v) => v.toString(16).padStart(2, '0')).join(' ');
  bad(name, `not a PNG or JPEG file (first bytes: ${head || 'none, the file is empty'})`);
}

/** Reads a PNG or JPEG file as an ImageInput (see decodeImage); errors name the file. */
export async function readImage(path: string): Promise<ImageInput> {
  if (typeof path !== 'string' || path === '') throw new RecapError('path', 'a file path', String(path));
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    bad(path, `${(e as NodeJS.ErrnoException).code ?? (e as Error).message}: the file cannot be read`, 'a readable PNG or JPEG file');
  }
  return decodeImage(bytes, path);
}
