// numpy .npy files: readNpy / writeNpy (browser-safe). Header format in npy-header.ts.
//
// Reads versions 1.0-3.0, either byte order, float32/float64 as themselves, half as float32,
// and every integer and bool type as int32 (values checked to fit). Fortran-order arrays are transposed to C
// order on reading, so the tensor has the same shape and element values numpy shows.
// Writes version 1.0 (2.0 for a header over 64 KiB), little-endian, C order.
import { FormatError, fail } from '../core/errors.js';
import { Tensor, type TypedArray } from '../core/tensor.js';
import { decodeElements, encodeElements, writeType } from './elements.js';
import { formatNpyHeader, parseNpyHeader, type NpyHeader } from './npy-header.js';

export { parseNpyHeader, type NpyHeader } from './npy-header.js';

/** Options of the readers: `name` labels the input in errors (a file name). */
export interface ReadOptions { name?: string }

/** `bytes` as a Uint8Array (an ArrayBuffer is wrapped), or a RecapError naming `bytes`. */
export function asBytes(bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  return fail('bytes', 'a Uint8Array or ArrayBuffer', bytes === null ? 'null' : ArrayBuffer.isView(bytes) ? bytes.constructor.name : typeof bytes);
}

/**
 * Reads a .npy file (the whole file's bytes) into a Tensor. Throws FormatError for a
 * truncated or corrupt file, an unsupported dtype, or integers outside int32.
 */
export function readNpy(bytes: Uint8Array | ArrayBuffer, options: ReadOptions = {}): Tensor {
  const buf = asBytes(bytes);
  const file = options.name ?? 'npy';
  const h = parseNpyHeader(buf, file);
  const present = buf.length - h.dataOffset;
  if (present < h.dataBytes) {
    throw new FormatError(file, `truncated data: shape (${h.shape.join(', ')}) of ${h.descr} needs ${h.dataBytes} bytes, ${present} present`);
  }
  if (present > h.dataBytes) {
    throw new FormatError(file, `${present - h.dataBytes} unexpected bytes after the data of shape (${h.shape.join(', ')}) of ${h.descr}`);
  }
  return npyTensor(h, buf.subarray(h.dataOffset), file);
}

/**
 * The tensor for a header and its data bytes (`dataBytes` of them, or whole leading-axis rows
 * when `h.shape` was narrowed by the caller). Fortran-order data is transposed to C order.
 */
export function npyTensor(h: NpyHeader, data: Uint8Array, file: string): Tensor {
  const n = h.dataBytes / h.element.size;
  const values = decodeElements(h.element, data, n, file, 'array');
  if (!h.fortranOrder || h.shape.length < 2) return new Tensor(values, h.shape);
  return new Tensor(fortranToC(values, h.shape), h.shape);
}

/** Element (i0, ..., ik) sits at Σ i_j·s_j with s_0 = 1 in Fortran order; copy it to C order. */
function fortranToC(src: TypedArray, shape: readonly number[]): TypedArray {
  const dst = new (src.constructor as new (n: number) => TypedArray)(src.length);
  const k = shape.length;
  const fStride = new Array<number>(k);
  let s = 1;
  for (let j = 0; j < k; j++) {
    fStride[j] = s;
    s *= shape[j];
  }
  const idx = new Array<number>(k).fill(0);
  let from = 0;
  for (let to = 0; to < dst.length; to++) {
    dst[to] = src[from];
    // advance the C-order index (last axis fastest), keeping the Fortran offset in step
    for (let j = k - 1; j >= 0; j--) {
      if (++idx[j] < shape[j]) {
        from += fStride[j];
        break;
      }
      from -= (shape[j] - 1) * fStride[j];
      idx[j] = 0;
    }
  }
  return dst;
}

/** A .npy file (format 1.0, little-endian, C order) holding the tensor. */
export function writeNpy(t: Tensor): Uint8Array {
  if (!(t instanceof Tensor)) fail('t', 'a Tensor', t === null ? 'null' : typeof t);
  const e = writeType(t.dtype);
  const header = formatNpyHeader(`<${e.kind}${e.size}`, t.shape);
  const out = new Uint8Array(header.length + t.data.byteLength);
  out.set(header);
  encodeElements(t, out, header.length);
  return out;
}
