// Fuzz of the interop readers: damaged .npy / .npz / safetensors bytes (cuts, bit flips, byte
// edits, inserted bytes) either read or throw FormatError (never a TypeError, RangeError or a
// plain Error), and random tensors round-trip through every writer bit for bit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError, Tensor, readNpy, readNpz, readSafetensors, tensor, writeNpy, writeNpz, writeSafetensors, type DType } from '../../src/index.js';
import { attempt, check } from '../fuzz/fuzz.js';

const dtypes: DType[] = ['float32', 'float64', 'int32'];
const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 });
const tensorArb = fc.tuple(shapeArb, fc.constantFrom(...dtypes), fc.integer()).map(([shape, dtype, seed]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => (dtype === 'int32' ? ((seed + i * 2654435761) | 0) : Math.sin(seed + i) * 10 ** ((i % 7) - 3)));
  return tensor(data, shape, dtype);
});

/** One damage to a byte string: a cut, a flipped bit, a byte set, or bytes inserted. */
const damageArb = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);
type Damage = typeof damageArb extends fc.Arbitrary<infer D> ? D : never;

function damage(b: Uint8Array, ds: Damage[]): Uint8Array {
  let out = b.slice();
  for (const d of ds) {
    if (out.length === 0) break;
    const at = d.at % out.length;
    if (d.kind === 'cut') out = out.slice(0, at);
    else if (d.kind === 'flip') out[at] ^= 1 << d.bit;
    else if (d.kind === 'set') out[at] = d.value;
    else out = Uint8Array.from([...out.subarray(0, at), ...d.bytes, ...out.subarray(at)]);
  }
  return out;
}

function expectValid(r: Tensor): void {
  expect(r).toBeInstanceOf(Tensor);
  expect(r.data.length).toBe(r.shape.reduce((a, b) => a * b, 1));
}

describe('interop readers fuzz', () => {
  it('random tensors round-trip through writeNpy, writeNpz (stored and deflated) and writeSafetensors', () => {
    check('interop round trip', fc.array(tensorArb, { minLength: 1, maxLength: 4 }), (ts) => {
      const arrays = Object.fromEntries(ts.map((t, i) => [`t${i}`, t]));
      for (const t of ts) {
        const back = readNpy(writeNpy(t));
        expect(back.shape).toEqual(t.shape);
        expect(back.data).toEqual(t.data);
      }
      for (const back of [readNpz(writeNpz(arrays)), readNpz(writeNpz(arrays, { compress: true })), readSafetensors(writeSafetensors(arrays)).tensors]) {
        for (const [k, t] of Object.entries(arrays)) {
          expect(back[k].dtype).toBe(t.dtype);
          expect(back[k].shape).toEqual(t.shape);
          expect(back[k].data).toEqual(t.data);
        }
      }
    }, 0.5);
  });

  it('damaged files read or throw FormatError', () => {
    const arb = fc.tuple(fc.array(tensorArb, { minLength: 1, maxLength: 3 }), fc.array(damageArb, { minLength: 1, maxLength: 3 }), fc.constantFrom('npy', 'npz', 'npzc', 'st'));
    check('interop damaged', arb, ([ts, ds, format]) => {
      const arrays = Object.fromEntries(ts.map((t, i) => [`t${i}`, t]));
      const bytes = format === 'npy' ? writeNpy(ts[0]) : format === 'st' ? writeSafetensors(arrays, { m: 'x' })
        : writeNpz(arrays, { compress: format === 'npzc' });
      const bad = damage(bytes, ds);
      const r = attempt(() => (format === 'npy' ? [readNpy(bad)] : Object.values(format === 'st' ? readSafetensors(bad).tensors : readNpz(bad))), [FormatError]);
      if (r.ok) r.value.forEach(expectValid);
    }, 2);
  });

  it('arbitrary bytes behind a valid magic throw FormatError', () => {
    const magics = [Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0), Uint8Array.of(0x50, 0x4b, 3, 4), new Uint8Array(0)];
    check('interop garbage', fc.tuple(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 200 })), ([magic, rest]) => {
      const b = Uint8Array.from([...magic, ...rest]);
      for (const read of [() => [readNpy(b)], () => Object.values(readNpz(b)), () => Object.values(readSafetensors(b).tensors)]) {
        const r = attempt(read, [FormatError]);
        if (r.ok) r.value.forEach(expectValid);
      }
    });
  });
});
