// The slicing-by-8 CRC-32 against the bitwise definition, every tail length, and the check value.
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/core/crc32.js';

function bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('the standard check value', () => expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926));
  it('equals the bitwise definition for lengths 0..70 and a long buffer, at any offset', () => {
    let s = 3;
    const data = new Uint8Array(5000).map(() => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
    for (let n = 0; n <= 70; n++) expect(crc32(data.subarray(3, 3 + n)), `n=${n}`).toBe(bitwise(data.subarray(3, 3 + n)));
    expect(crc32(data)).toBe(bitwise(data));
  });
  it('continues a running CRC: crc32(b, crc32(a)) = crc32(a ‖ b) at every split and alignment', () => {
    let s = 11;
    const data = new Uint8Array(301).map(() => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
    for (let k = 0; k <= data.length; k += 7) {
      expect(crc32(data.subarray(k), crc32(data.subarray(0, k))), `split ${k}`).toBe(bitwise(data));
    }
    expect(crc32(new Uint8Array(0), 0x12345678)).toBe(0x12345678);
  });
});
