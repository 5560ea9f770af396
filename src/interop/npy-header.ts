// The header of numpy's .npy format (numpy/lib/format.py, NEP 1), versions 1.0, 2.0 and 3.0:
//
//   0  6 bytes   magic "\x93NUMPY"
//   6  u8, u8    major, minor version
//   8  u16 LE    header length L (1.0);  u32 LE at 8 for 2.0 and 3.0
//   10 or 12     L bytes: a Python dict literal, latin-1 (1.0, 2.0) or UTF-8 (3.0),
//                {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
//                padded with spaces and closed by '\n' so the data starts 64-aligned
//   then         the elements, C order (or Fortran order when fortran_order is True)
//
// Browser-safe. Only what the format needs is parsed: dicts, tuples, lists, quoted strings,
// integers (with Python 2's L suffix), True, False, None.
import { FormatError } from '../core/errors.js';
import { MAX_ELEMENTS, sizeOf } from '../core/tensor.js';
import { isReadable, readDType, type ElementType } from './elements.js';
import type { DType } from '../core/tensor.js';

/** A parsed .npy header: what the data is and where it starts. */
export interface NpyHeader {
  /** Format version, e.g. [1, 0]. */
  version: [number, number];
  /** numpy's type string, e.g. '<f8', '|b1'. */
  descr: string;
  /** The element type behind `descr`. */
  element: ElementType;
  /** The recap dtype the data reads as (int64 and bool read as int32). */
  dtype: DType;
  shape: number[];
  fortranOrder: boolean;
  /** Byte offset of the first element. */
  dataOffset: number;
  /** Bytes of element data (product of the shape times the element size). */
  dataBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Bytes needed before the header text starts: 10 (version 1.0) or 12. */
export function npyPreambleBytes(bytes: Uint8Array, file: string): number {
  if (bytes.length < 10) throw new FormatError(file, `truncated: ${bytes.length} bytes is too short for a .npy file`);
  for (let i = 0; i < 6; i++) {
    if (bytes[i] !== MAGIC[i]) throw new FormatError(file, 'not a .npy file (the magic "\\x93NUMPY" is missing)');
  }
  const major = bytes[6];
  if (major < 1 || major > 3 || bytes[7] !== 0) throw new FormatError(file, `unsupported .npy format version ${major}.${bytes[7]} (recap reads 1.0, 2.0 and 3.0)`);
  return major === 1 ? 10 : 12;
}

/**
 * Parses the header at the start of `bytes` (the whole file, or at least its first
 * `dataOffset` bytes: enough to read a large file's header without loading it). Throws
 * FormatError naming what is wrong; checks neither the data's length nor its values.
 */
export function parseNpyHeader(bytes: Uint8Array, file = 'npy'): NpyHeader {
  const pre = npyPreambleBytes(bytes, file);
  if (bytes.length < pre) throw new FormatError(file, `truncated: ${bytes.length} bytes is too short for a .npy header`);
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const dataOffset = pre + len;
  if (bytes.length < dataOffset) throw new FormatError(file, `truncated header: ${len} header bytes announced, ${bytes.length - pre} present`);
  const raw = bytes.subarray(pre, dataOffset);
  let text: string;
  try {
    text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(raw) : latin1(raw);
  } catch {
    throw new FormatError(file, 'header is not valid UTF-8');
  }
  let dict: unknown;
  try {
    dict = new PyLiteral(text).parseWhole();
  } catch (e) {
    throw new FormatError(file, `unreadable header ${abbreviate(text)}: ${(e as Error).message}`);
  }
  if (!isPlainDict(dict)) throw new FormatError(file, `header is not a dict: ${abbreviate(text)}`);
  const keys = Object.keys(dict).sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    throw new FormatError(file, `header keys are [${keys.join(', ')}], expected descr, fortran_order and shape`);
  }
  const { descr, fortran_order: fortranOrder, shape } = dict as { descr: unknown; fortran_order: unknown; shape: unknown };
  if (typeof descr !== 'string') {
    throw new FormatError(file, `descr ${abbreviate(JSON.stringify(descr) ?? String(descr))} is a structured dtype; recap reads plain numeric arrays`);
  }
  const element = parseDescr(descr, file);
  if (typeof fortranOrder !== 'boolean') throw new FormatError(file, `fortran_order must be True or False, got ${String(fortranOrder)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(file, `shape must be a tuple of non-negative integers, got ${abbreviate(JSON.stringify(shape) ?? String(shape))}`);
  }
  const n = sizeOf(shape as number[]);
  if (n > MAX_ELEMENTS) throw new FormatError(file, `shape (${shape.join(', ')}) has ${n} elements; a recap tensor holds at most ${MAX_ELEMENTS}`);
  return {
    version: [major, 0], descr, element, dtype: readDType(element), shape: shape as number[], fortranOrder,
    dataOffset, dataBytes: n * element.size,
  };
}

/** Parses a numpy type string such as '<f8', '>i4', '|b1', '=u2'. */
function parseDescr(descr: string, file: string): ElementType {
  const m = /^([<>|=]?)([fiub])([1248])$/.exec(descr);
  const e: ElementType | null = m
    ? { kind: m[2] as ElementType['kind'], size: Number(m[3]) as ElementType['size'], littleEndian: m[1] !== '>' }
    : null;
  if (!e || !isReadable(e)) {
    throw new FormatError(file, `dtype ${JSON.stringify(descr)} is not supported (recap reads float, bool and integer arrays: <f2 <f4 <f8 |b1 <i1..<i8 <u1..<u8, either byte order)`);
  }
  // numpy writes '=' only for native order; every platform numpy writes .npy on today is little-endian
  return e;
}

/** The header bytes (magic to '\n') for an array; version 1.0 unless the header needs 2.0. */
export function formatNpyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const aligned = (pre: number) => Math.ceil((pre + dict.length + 1) / 64) * 64;
  const v1 = aligned(10) - 10 <= 0xffff;
  const pre = v1 ? 10 : 12;
  const total = aligned(pre);
  const out = new Uint8Array(total);
  out.set(MAGIC);
  out[6] = v1 ? 1 : 2;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (v1) dv.setUint16(8, total - pre, true);
  else dv.setUint32(8, total - pre, true);
  for (let i = 0; i < dict.length; i++) out[pre + i] = dict.charCodeAt(i);
  out.fill(0x20, pre + dict.length, total - 1);
  out[total - 1] = 0x0a;
  return out;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

function abbreviate(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

function isPlainDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A recursive-descent reader of the Python literals a .npy header holds. */
class PyLiteral {
  private i = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parseWhole(): unknown {
    const v = this.value();
    this.space();
    if (this.i !== this.s.length) throw new Error(`unexpected ${JSON.stringify(this.s[this.i])} at ${this.i}`);
    return v;
  }

  private space(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i])) this.i++;
  }

  private value(): unknown {
    this.space();
    if (++this.depth > 32) throw new Error('nested too deeply');
    const c = this.s[this.i];
    let v: unknown;
    if (c === '{') v = this.dict();
    else if (c === '(' || c === '[') v = this.sequence(c === '(' ? ')' : ']');
    else if (c === "'" || c === '"') v = this.string(c);
    else v = this.atom();
    this.depth--;
    return v;
  }

  private dict(): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null);
    this.i++;
    for (;;) {
      this.space();
      if (this.s[this.i] === '}') break;
      const key = this.value();
      if (typeof key !== 'string') throw new Error('dict keys must be strings');
      this.space();
      if (this.s[this.i++] !== ':') throw new Error(`':' expected at ${this.i - 1}`);
      if (Object.hasOwn(out, key)) throw new Error(`key ${JSON.stringify(key)} repeated`);
      out[key] = this.value();
      if (!this.separator('}')) break;
    }
    this.i++;
    return out;
  }

  private sequence(close: string): unknown[] {
    const out: unknown[] = [];
    this.i++;
    for (;;) {
      this.space();
      if (this.s[this.i] === close) break;
      out.push(this.value());
      if (!this.separator(close)) break;
    }
    this.i++;
    return out;
  }

  /** After an item: a comma (true: more may follow) or the closing bracket (false). */
  private separator(close: string): boolean {
    this.space();
    const c = this.s[this.i];
    if (c === ',') {
      this.i++;
      return true;
    }
    if (c === close) return false;
    throw new Error(c === undefined ? `'${close}' missing` : `unexpected ${JSON.stringify(c)} at ${this.i}`);
  }

  private string(quote: string): string {
    let out = '';
    for (this.i++; this.i < this.s.length; this.i++) {
      const c = this.s[this.i];
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const next = this.s[++this.i];
        if (next === undefined) break;
        out += next;
      } else {
        out += c;
      }
    }
    throw new Error('unterminated string');
  }

  private atom(): unknown {
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(this.s.slice(this.i, this.i + 40));
    if (!m) throw new Error(this.i >= this.s.length ? 'unexpected end' : `unexpected ${JSON.stringify(this.s[this.i])} at ${this.i}`);
    this.i += m[0].length;
    if (m[1] !== undefined) return Number(m[1]);
    return m[2] === 'True' ? true : m[2] === 'False' ? false : null;
  }
}
