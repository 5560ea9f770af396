// safetensors files (huggingface/safetensors), browser-safe:
//
//   0  u64 LE   header length L
//   8  L bytes  UTF-8 JSON: { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [b, e] },
//               ..., "__metadata__": { "<key>": "<string>" } }, padded with spaces
//   8+L         the data buffer; offsets [b, e) are relative to its start, little-endian,
//               C order, and the tensors tile it exactly (no gaps, no overlaps)
//
// Reads F32 and F64 as themselves, F16 and BF16 as float32 (exactly), and every integer type and
// BOOL as int32 (values checked to fit). Writes F32 / F64 / I32, largest alignment first and then by name (as the reference
// writer orders them), the header padded to 8 bytes.
import { FormatError, fail } from '../core/errors.js';
import { MAX_ELEMENTS, Tensor, sizeOf } from '../core/tensor.js';
import { decodeElements, encodeElements, isReadable, type ElementType } from './elements.js';
import { asBytes, type ReadOptions } from './npy.js';

const DTYPES: Record<string, ElementType> = {
  F64: { kind: 'f', size: 8, littleEndian: true }, F32: { kind: 'f', size: 4, littleEndian: true },
  F16: { kind: 'f', size: 2, littleEndian: true }, BF16: { kind: 'f', size: 2, littleEndian: true, bfloat16: true },
  I64: { kind: 'i', size: 8, littleEndian: true }, I32: { kind: 'i', size: 4, littleEndian: true },
  I16: { kind: 'i', size: 2, littleEndian: true }, I8: { kind: 'i', size: 1, littleEndian: true },
  U64: { kind: 'u', size: 8, littleEndian: true }, U32: { kind: 'u', size: 4, littleEndian: true },
  U16: { kind: 'u', size: 2, littleEndian: true }, U8: { kind: 'u', size: 1, littleEndian: true },
  BOOL: { kind: 'b', size: 1, littleEndian: true },
};
const WRITTEN = { float64: 'F64', float32: 'F32', int32: 'I32' } as const;

/** A safetensors file's tensors and its `__metadata__` (string to string; empty when absent). */
export interface Safetensors { tensors: Record<string, Tensor>; metadata: Record<string, string> }

/** Largest header this reader accepts (the reference implementation's limit: 100 MB). */
const MAX_HEADER = 100_000_000;

/**
 * Reads a safetensors file. Throws FormatError naming the file (and the tensor) when the header
 * is malformed, offsets overlap, leave gaps or run past the end, or a dtype is unsupported.
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer, options: ReadOptions = {}): Safetensors {
  const buf = asBytes(bytes);
  const file = options.name ?? 'safetensors';
  if (buf.length < 8) throw new FormatError(file, `truncated: ${buf.length} bytes is too short for a safetensors file`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const lenHi = dv.getUint32(4, true);
  const len = dv.getUint32(0, true);
  if (lenHi !== 0 || len > MAX_HEADER) throw new FormatError(file, `header length ${lenHi * 2 ** 32 + len} is implausible (not a safetensors file?)`);
  if (8 + len > buf.length) throw new FormatError(file, `truncated header: ${len} bytes announced, ${buf.length - 8} present`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + len)));
  } catch (e) {
    throw new FormatError(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) throw new FormatError(file, 'header is not a JSON object');
  const data = buf.subarray(8 + len);
  const metadata = readMetadata(header.__metadata__, file);
  const entries: Array<{ name: string; e: ElementType; shape: number[]; begin: number; end: number }> = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const what = `tensor ${JSON.stringify(name)}`;
    if (!isObject(info)) throw new FormatError(file, `${what}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = info;
    const e = typeof dtype === 'string' && Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : null;
    if (!e || !isReadable(e)) {
      throw new FormatError(file, `${what}: dtype ${JSON.stringify(dtype)} is not supported (recap reads F16, BF16, F32, F64, BOOL and integer types)`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new FormatError(file, `${what}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const n = sizeOf(shape);
    if (n > MAX_ELEMENTS) throw new FormatError(file, `${what}: shape [${shape}] has ${n} elements; a recap tensor holds at most ${MAX_ELEMENTS}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
      throw new FormatError(file, `${what}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
    }
    if (offsets[1] - offsets[0] !== n * e.size) {
      throw new FormatError(file, `${what}: data_offsets [${offsets}] span ${offsets[1] - offsets[0]} bytes, shape [${shape}] of ${dtype} needs ${n * e.size}`);
    }
    entries.push({ name, e, shape, begin: offsets[0], end: offsets[1] });
  }
  // the tensors must tile the data buffer exactly, as the reference reader requires
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of sorted) {
    if (t.begin !== cursor) {
      throw new FormatError(file, t.begin < cursor
        ? `tensor ${JSON.stringify(t.name)} overlaps another (data_offsets [${t.begin}, ${t.end}], previous tensor ends at ${cursor})`
        : `a gap of ${t.begin - cursor} bytes before tensor ${JSON.stringify(t.name)} in the data buffer`);
    }
    cursor = t.end;
  }
  if (cursor > data.length) throw new FormatError(file, `truncated data: the tensors need ${cursor} bytes, ${data.length} present`);
  if (cursor < data.length) throw new FormatError(file, `${data.length - cursor} bytes in the data buffer belong to no tensor`);
  const tensors: Record<string, Tensor> = {};
  for (const t of entries) {
    const values = decodeElements(t.e, data.subarray(t.begin, t.end), t.end === t.begin ? 0 : (t.end - t.begin) / t.e.size, file, `tensor ${JSON.stringify(t.name)}`);
    Object.defineProperty(tensors, t.name, { value: new Tensor(values, t.shape), enumerable: true, writable: true, configurable: true });
  }
  return { tensors, metadata };
}

function readMetadata(m: unknown, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (m === undefined || m === null) return out;
  if (!isObject(m)) throw new FormatError(file, '__metadata__ is not an object of strings');
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw new FormatError(file, `__metadata__ ${JSON.stringify(k)} is not a string`);
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A safetensors file of the tensors (F32 / F64 / I32) and string metadata. Deterministic:
 * float64 tensors first, then the 4-byte ones, each group by name.
 */
export function writeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (!isObject(tensors)) fail('tensors', 'an object of Tensors', tensors === null ? 'null' : Array.isArray(tensors) ? 'an array' : typeof tensors);
  if (metadata !== undefined) {
    if (!isObject(metadata)) fail('metadata', 'an object of strings', metadata === null ? 'null' : typeof metadata);
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') fail(`metadata.${k}`, 'a string', typeof v);
  }
  const names = Object.keys(tensors);
  for (const k of names) {
    if (!(tensors[k] instanceof Tensor)) fail(`tensors.${k}`, 'a Tensor', tensors[k] === null ? 'null' : typeof tensors[k]);
    if (k === '__metadata__') fail('tensors', 'no tensor named "__metadata__" (the format reserves it)', '"__metadata__"');
  }
  const size = (k: string) => tensors[k].data.BYTES_PER_ELEMENT;
  names.sort((a, b) => size(b) - size(a) || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let cursor = 0;
  for (const k of names) {
    const t = tensors[k];
    Object.defineProperty(header, k, {
      value: { dtype: WRITTEN[t.dtype], shape: [...t.shape], data_offsets: [cursor, cursor + t.data.byteLength] },
      enumerable: true, writable: true, configurable: true,
    });
    cursor += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const len = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + len + cursor);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, len, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + len);
  let p = 8 + len;
  for (const k of names) {
    encodeElements(tensors[k], out, p);
    p += tensors[k].data.byteLength;
  }
  return out;
}
