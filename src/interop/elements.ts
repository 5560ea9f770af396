// Element types of foreign array files (.npy, safetensors) and their conversion to recap's
// tensor dtypes. Browser-safe.
//
// Read as: f4 → float32, f8 → float64, f2 (IEEE half) and bfloat16 → float32 (exactly: every
// value of theirs is a float32), every integer and bool type → int32 (each value checked to fit
// int32: a file holding 2^40 is refused, never wrapped). Written as: float32 → f4, float64 → f8,
// int32 → i4, always little-endian.
import { FormatError } from '../core/errors.js';
import { Tensor, allocTyped, type DType, type TypedArray } from '../core/tensor.js';

/** One element type: kind f(loat) / i(nt) / u(nsigned) / b(ool), its size in bytes, its byte order. */
export interface ElementType {
  kind: 'f' | 'i' | 'u' | 'b';
  size: 1 | 2 | 4 | 8;
  littleEndian: boolean;
  /** A 2-byte float that is bfloat16 (the top half of a float32) rather than IEEE half. */
  bfloat16?: boolean;
}

/** The recap dtype an element type reads as. */
export function readDType(e: ElementType): DType {
  if (e.kind === 'f') return e.size === 8 ? 'float64' : 'float32';
  return 'int32';
}

/** Whether recap reads this element type (floats of 2, 4 or 8 bytes, any integer, bool of 1 byte). */
export function isReadable(e: ElementType): boolean {
  if (e.kind === 'f') return e.size !== 1;
  if (e.kind === 'b') return e.size === 1;
  return true;
}

/** The element type recap writes for a tensor dtype (little-endian). */
export function writeType(dtype: DType): ElementType {
  return { kind: dtype === 'int32' ? 'i' : 'f', size: dtype === 'float64' ? 8 : 4, littleEndian: true };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes `n` elements of type `e` from `src` (exactly n·size bytes) into a new typed array of
 * the read dtype. `file` and `what` name the array in errors (an int64 out of int32 range, a
 * bool byte other than 0 or 1).
 */
export function decodeElements(e: ElementType, src: Uint8Array, n: number, file: string, what: string): TypedArray {
  const dtype = readDType(e);
  const out = allocTyped(dtype, n);
  const nativeOrder = e.littleEndian === HOST_LITTLE_ENDIAN || e.size === 1;
  if (nativeOrder && ((e.kind === 'f' && e.size !== 2) || (e.kind === 'i' && e.size === 4))) {
    // same layout as the result: one copy (also aligns the data)
    new Uint8Array(out.buffer).set(src.subarray(0, n * e.size));
    return out;
  }
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const le = e.littleEndian;
  const outOfRange = (i: number, v: bigint | number): never => {
    throw new FormatError(file, `${what}[${i}] = ${v} does not fit int32 (recap reads integer arrays as int32)`);
  };
  if (e.kind === 'f') {
    const o = out as Float32Array | Float64Array;
    if (e.size === 8) for (let i = 0; i < n; i++) o[i] = dv.getFloat64(8 * i, le);
    else if (e.size === 4) for (let i = 0; i < n; i++) o[i] = dv.getFloat32(4 * i, le);
    else {
      const bits = new Uint32Array(o.buffer);
      for (let i = 0; i < n; i++) {
        const h = dv.getUint16(2 * i, le);
        if (e.bfloat16) bits[i] = h << 16;
        else halfToFloat32(o as Float32Array, bits, i, h);
      }
    }
    return out;
  }
  const o = out as Int32Array;
  if (e.kind === 'b') {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (v > 1) throw new FormatError(file, `${what}[${i}] is the byte ${v}, not a bool (0 or 1)`);
      o[i] = v;
    }
    return out;
  }
  const signed = e.kind === 'i';
  switch (e.size) {
    case 1:
      for (let i = 0; i < n; i++) o[i] = signed ? dv.getInt8(i) : src[i];
      break;
    case 2:
      for (let i = 0; i < n; i++) o[i] = signed ? dv.getInt16(2 * i, le) : dv.getUint16(2 * i, le);
      break;
    case 4:
      for (let i = 0; i < n; i++) {
        const v = signed ? dv.getInt32(4 * i, le) : dv.getUint32(4 * i, le);
        if (v > 0x7fffffff) outOfRange(i, v);
        o[i] = v;
      }
      break;
    case 8:
      for (let i = 0; i < n; i++) {
        // the value fits int32 when the high word is the sign extension of the low word
        const lo = dv.getInt32(8 * i + (le ? 0 : 4), le);
        const hi = dv.getInt32(8 * i + (le ? 4 : 0), le);
        if (hi !== (signed ? lo >> 31 : 0) || (!signed && lo < 0)) {
          outOfRange(i, signed ? dv.getBigInt64(8 * i, le) : dv.getBigUint64(8 * i, le));
        }
        o[i] = lo;
      }
      break;
  }
  return out;
}

/** Element i of `o` (bits: its uint32 view) = the IEEE half `h`; exact (a half is a float32). */
function halfToFloat32(o: Float32Array, bits: Uint32Array, i: number, h: number): void {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) o[i] = (sign ? -mant : mant) / 16777216; // zero or subnormal: an integer times 2^-24, exact
  else if (exp === 31) bits[i] = (sign | 0x7f800000 | (mant << 13)) >>> 0; // infinity or NaN
  else bits[i] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
}

/** Writes the tensor's elements as little-endian bytes (f4 / f8 / i4) into `out` at byte `offset`. */
export function encodeElements(t: Tensor, out: Uint8Array, offset: number): void {
  const d = t.data;
  if (HOST_LITTLE_ENDIAN) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), offset);
    return;
  }
  const dv = new DataView(out.buffer, out.byteOffset + offset, d.byteLength);
  if (d instanceof Float64Array) for (let i = 0; i < d.length; i++) dv.setFloat64(8 * i, d[i], true);
  else if (d instanceof Float32Array) for (let i = 0; i < d.length; i++) dv.setFloat32(4 * i, d[i], true);
  else for (let i = 0; i < d.length; i++) dv.setInt32(4 * i, d[i], true);
}
