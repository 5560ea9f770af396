// The container both recap file formats use (checkpoints, .recapdata): an 8-byte magic, a u32
// version, a u32 header length and the JSON header, then typed-array sections (little-endian,
// each 8-byte aligned), then a CRC-32 of everything before it. The header names each section by
// { offset, length, dtype }, offsets relative to the first section.
import { crc32 } from './crc32.js';

export type SectionDType = 'float32' | 'float64' | 'uint32' | 'int32';
export type SectionArray = Float32Array | Float64Array | Uint32Array | Int32Array;
export interface Section { offset: number; length: number; dtype: SectionDType }

export const SECTION_BYTES: Readonly<Record<SectionDType, number>> = { float32: 4, float64: 8, uint32: 4, int32: 4 };

export const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function sectionDType(a: SectionArray): SectionDType {
  return a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Uint32Array ? 'uint32' : 'int32';
}

/** Collects sections, then seals them with a header into one file's bytes. */
export class SectionWriter {
  private readonly arrays: SectionArray[] = [];
  private cursor = 0;

  /** Queues `a` as the next section; returns its header entry. */
  add(a: SectionArray): Section {
    const s: Section = { offset: this.cursor, length: a.length, dtype: sectionDType(a) };
    this.arrays.push(a);
    this.cursor += Math.ceil((a.length * SECTION_BYTES[s.dtype]) / 8) * 8;
    return s;
  }

  /** The file: magic, version, the header as JSON, the sections, the CRC-32. */
  seal(magic: string, version: number, header: unknown): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const dataStart = Math.ceil((16 + json.length) / 8) * 8;
    const total = dataStart + this.cursor + 4;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) out[i] = magic.charCodeAt(i);
    dv.setUint32(8, version, true);
    dv.setUint32(12, json.length, true);
    out.set(json, 16);
    let p = dataStart;
    for (const a of this.arrays) {
      if (isLittleEndian) out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), p);
      else writeLittleEndian(dv, p, a);
      p += Math.ceil(a.byteLength / 8) * 8;
    }
    dv.setUint32(total - 4, crc32(out.subarray(0, total - 4)), true);
    return out;
  }
}

function writeLittleEndian(dv: DataView, p: number, a: SectionArray): void {
  const w = SECTION_BYTES[sectionDType(a)];
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(p + i * w, a[i], true);
    else if (a instanceof Float64Array) dv.setFloat64(p + i * w, a[i], true);
    else if (a instanceof Uint32Array) dv.setUint32(p + i * w, a[i], true);
    else dv.setInt32(p + i * w, a[i], true);
  }
}
