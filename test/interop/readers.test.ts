// .npy / .npz / safetensors readers on files numpy wrote (test/fixtures/interop/readers, made by
// scripts/make-interop-fixtures.py), round trips through the writers, and typed errors.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unzipSync, zipSync } from 'fflate';
import {
  FormatError, RecapError, Tensor, parseNpyHeader, readNpy, readNpz, readSafetensors, tensor, writeNpy, writeNpz, writeSafetensors,
} from '../../src/index.js';

const DIR = new URL('../fixtures/interop/readers/', import.meta.url);
const file = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
interface Want { shape: number[]; dtype: string; data: number[] }
const manifest: Record<string, Want & { error?: string } & Record<string, unknown>> = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8'));

function expectTensor(t: Tensor, want: Want, what: string): void {
  expect(t.shape, `${what} shape`).toEqual(want.shape);
  expect(t.dtype, `${what} dtype`).toBe(want.dtype);
  // float32 values compare after rounding the float64 reference to float32 (numpy stored them so)
  const values = want.data.map(Number); // non-finite values are stored as 'Infinity', '-Infinity', 'NaN'
  const w = want.dtype === 'float32' ? Array.from(Float32Array.from(values)) : values;
  expect(Array.from(t.data), `${what} values`).toEqual(w);
}

describe('readNpy on files numpy wrote', () => {
  const npys = Object.keys(manifest).filter((k) => k.endsWith('.npy'));

  it('the fixture set covers every dtype, both byte orders and format versions 1.0-3.0', () => {
    for (const code of ['f2', 'f4', 'f8', 'i4', 'i8', 'b1']) expect(npys.some((n) => n.startsWith(`${code}_le`)), code).toBe(true);
    for (const code of ['f2', 'f4', 'f8', 'i4', 'i8']) expect(npys.some((n) => n.startsWith(`${code}_be`)), code).toBe(true);
    for (const v of [1, 2, 3]) expect(npys.filter((n) => n.endsWith(`_v${v}.npy`)).length, `v${v}`).toBeGreaterThan(1);
    expect(readdirSync(DIR).filter((n) => n !== 'manifest.json').sort()).toEqual(Object.keys(manifest).sort());
  });

  it.each(npys.filter((n) => !manifest[n].error))('%s', (name) => {
    const bytes = file(name);
    const t = readNpy(bytes, { name });
    expectTensor(t, manifest[name], name);
    const h = parseNpyHeader(bytes);
    const v = /_v(\d)\.npy$/.exec(name);
    if (v) expect(h.version).toEqual([Number(v[1]), 0]);
    expect(h.dataOffset % 64).toBe(0);
  });

  it.each(npys.filter((n) => manifest[n].error))('%s is refused with FormatError', (name) => {
    expect(() => readNpy(file(name), { name })).toThrow(FormatError);
    expect(() => readNpy(file(name), { name })).toThrow(new RegExp(`^${name.replace('.', '\\.')}: .*${manifest[name].error}`));
  });

  it('Fortran-order arrays are read in C order, as numpy shows them', () => {
    expect(parseNpyHeader(file('fortran_f8.npy')).fortranOrder).toBe(true);
    const t = readNpy(file('fortran_f8.npy'));
    // element [i][j][k] of values((2,3,4)) is (12i + 4j + k - 2.5) / 3
    const nested = t.toArray() as number[][][];
    expect(nested[1][2][3]).toBe((12 + 8 + 3 - 2.5) / 3);
    expect(nested[0][1][0]).toBe((4 - 2.5) / 3);
  });
});

describe('readNpz on archives numpy wrote', () => {
  it.each(['stored.npz', 'deflated.npz'])('%s', (name) => {
    const arrays = readNpz(file(name), { name });
    const want = manifest[name] as unknown as Record<string, Want>;
    expect(Object.keys(arrays).sort()).toEqual(Object.keys(want).sort());
    for (const k of Object.keys(want)) expectTensor(arrays[k], want[k], `${name}/${k}`);
  });

  it('np.savez stores and np.savez_compressed deflates (both read)', () => {
    // the compression method of the first local header: 0 stored, 8 deflate
    const method = (b: Uint8Array) => b[8] | (b[9] << 8);
    expect(method(file('stored.npz'))).toBe(0);
    expect(method(file('deflated.npz'))).toBe(8);
  });
});

describe('readSafetensors', () => {
  it.each(['mixed.safetensors', 'half.safetensors', 'bfloat16.safetensors'])('%s: every tensor and the metadata', (name) => {
    const { tensors, metadata } = readSafetensors(file(name));
    const want = manifest[name] as unknown as { tensors: Record<string, Want>; metadata: Record<string, string> };
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(want.tensors).sort());
    for (const k of Object.keys(want.tensors)) expectTensor(tensors[k], want.tensors[k], k);
    expect(metadata).toEqual(want.metadata);
  });
});

describe('writers round-trip through the readers', () => {
  const cases: Tensor[] = [
    tensor([[1.5, -2.25, 3], [4, 5, 6e-300]], undefined, 'float64'),
    tensor([0.1, -0.2, 0.3], undefined, 'float32'),
    tensor([[-2147483648, 2147483647], [0, -1]], undefined, 'int32'),
    tensor(7.5, undefined, 'float64'),
    new Tensor(new Float32Array(0), [0, 4]),
    tensor(Array.from({ length: 24 }, (_, i) => i / 7), [2, 3, 4], 'float64'),
  ];

  it.each(cases.map((t, i) => [i, t] as const))('npy case %i', (_i, t) => {
    const back = readNpy(writeNpy(t));
    expect(back.shape).toEqual(t.shape);
    expect(back.dtype).toBe(t.dtype);
    expect(back.data).toEqual(t.data);
  });

  it('npz (stored and deflated) and safetensors', () => {
    const arrays = Object.fromEntries(cases.map((t, i) => [`a${i}`, t]));
    for (const bytes of [writeNpz(arrays), writeNpz(arrays, { compress: true })]) {
      const back = readNpz(bytes);
      expect(Object.keys(back)).toEqual(Object.keys(arrays));
      for (const k of Object.keys(arrays)) expect(back[k].data, k).toEqual(arrays[k].data);
    }
    const st = readSafetensors(writeSafetensors(arrays, { idx_to_word: '["<NULL>"]' }));
    expect(st.metadata).toEqual({ idx_to_word: '["<NULL>"]' });
    for (const k of Object.keys(arrays)) {
      expect(st.tensors[k].shape, k).toEqual(arrays[k].shape);
      expect(st.tensors[k].data, k).toEqual(arrays[k].data);
    }
  });

  it('writers are deterministic, and deflate makes repetitive data smaller', () => {
    const a = { x: tensor(new Array(4096).fill(1), [64, 64], 'float64') };
    expect(writeNpz(a)).toEqual(writeNpz(a));
    expect(writeNpz(a, { compress: true }).length).toBeLessThan(writeNpz(a).length / 10);
    expect(writeSafetensors(a)).toEqual(writeSafetensors(a));
  });

  it('writeNpy writes the header numpy writes: version 1.0, 64-aligned, little-endian', () => {
    const b = writeNpy(tensor([1, 2, 3], [3], 'float32'));
    const text = new TextDecoder().decode(b.subarray(10, parseNpyHeader(b).dataOffset));
    expect(text).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3,\), \} *\n$/);
    expect(b[6]).toBe(1);
    expect((10 + text.length) % 64).toBe(0);
  });

  it('safetensors: float64 first, then by name; header padded to 8 bytes', () => {
    const b = writeSafetensors({ b: tensor([1], [1], 'float32'), a: tensor([1], [1], 'int32'), z: tensor([1], [1], 'float64') });
    const len = new DataView(b.buffer).getUint32(0, true);
    expect(len % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + len)));
    expect(header.z.data_offsets).toEqual([0, 8]);
    expect(header.a.data_offsets).toEqual([8, 12]);
    expect(header.b.data_offsets).toEqual([12, 16]);
  });
});

describe('errors', () => {
  const good = writeNpy(tensor([[1, 2], [3, 4]], undefined, 'float64'));

  it('bad arguments are RecapErrors naming the argument', () => {
    expect(() => readNpy('x' as unknown as Uint8Array)).toThrow(RecapError);
    expect(() => readNpy('x' as unknown as Uint8Array)).toThrow(/^bytes: expected a Uint8Array/);
    expect(() => writeNpy([1, 2] as unknown as Tensor)).toThrow(/^t: expected a Tensor/);
    expect(() => writeNpz({ a: 3 } as unknown as Record<string, Tensor>)).toThrow(/^arrays\.a: expected a Tensor/);
    expect(() => writeNpz({ 'a/b': tensor([1]) })).toThrow(/^arrays: expected keys that are non-empty file names/);
    expect(() => writeSafetensors({ a: tensor([1]) }, { k: 3 } as unknown as Record<string, string>)).toThrow(/^metadata\.k: expected a string/);
    expect(() => writeSafetensors({ __metadata__: tensor([1]) })).toThrow(RecapError);
  });

  it('truncated .npy: every cut is a FormatError saying what is missing', () => {
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => readNpy(good.subarray(0, cut), { name: 'p.npy' })).toThrow(FormatError);
    }
    expect(() => readNpy(good.subarray(0, good.length - 1), { name: 'p.npy' })).toThrow(/^p\.npy: truncated data: shape \(2, 2\) of <f8 needs 32 bytes, 31 present$/);
    expect(() => readNpy(good.subarray(0, 5))).toThrow(/^npy: truncated: 5 bytes/);
    expect(() => readNpy(good.subarray(0, 40))).toThrow(/truncated header/);
  });

  it('corrupt headers name the problem', () => {
    const edit = (from: string, to: string) => {
      const text = new TextDecoder('latin1').decode(good);
      expect(text.includes(from)).toBe(true);
      return Uint8Array.from(text.replace(from, to), (c) => c.charCodeAt(0));
    };
    expect(() => readNpy(edit('NUMPY', 'NUMPX'))).toThrow(/not a \.npy file/);
    expect(() => readNpy(edit("'fortran_order'", "'fortran_ordex'"))).toThrow(/header keys are \[descr, fortran_ordex, shape\]/);
    expect(() => readNpy(edit("'<f8'", "'<c8'"))).toThrow(/dtype "<c8" is not supported/);
    expect(() => readNpy(edit('(2, 2)', '(2, -2)'))).toThrow(/shape must be a tuple of non-negative integers/);
    expect(() => readNpy(edit('(2, 2)', '(2, 3)'))).toThrow(/truncated data: shape \(2, 3\)/);
    expect(() => readNpy(edit('(2, 2)', '(2, 1)'))).toThrow(/16 unexpected bytes after the data/);
    expect(() => readNpy(edit('False', 'Maybe'))).toThrow(/unreadable header/);
    expect(() => readNpy(edit('(2, 2)', '(99999, 99999)'))).toThrow(/has 9999800001 elements/);
    const v = good.slice();
    v[6] = 4;
    expect(() => readNpy(v)).toThrow(/unsupported \.npy format version 4\.0/);
  });

  it('bool bytes other than 0/1 and out-of-range integers are refused', () => {
    const b = file('b1_le_v1.npy').slice();
    b[b.length - 1] = 2;
    expect(() => readNpy(b)).toThrow(/array\[5\] is the byte 2, not a bool/);
    expect(() => readNpy(file('i8_out_of_range.npy'))).toThrow(/array\[2\] = 2147483648 does not fit int32/);
  });

  it('npz: not a zip, a truncated zip, a corrupt member', () => {
    expect(() => readNpz(good, { name: 'x.npz' })).toThrow(/^x\.npz: not an \.npz file/);
    const z = file('deflated.npz');
    expect(() => readNpz(z.subarray(0, z.length - 30), { name: 'x.npz' })).toThrow(FormatError);
    const bad = zipSync({ 'w.npy': good.subarray(0, good.length - 8) }, { level: 0 });
    expect(() => readNpz(bad, { name: 'x.npz' })).toThrow(/^x\.npz\/w\.npy: truncated data/);
    expect(Object.keys(unzipSync(bad))).toEqual(['w.npy']);
  });

  it('npz: a flipped bit in a stored member\'s data is caught by its CRC-32 (fflate does not check it)', () => {
    const z = file('stored.npz').slice();
    const arrays = readNpz(z);
    // the bytes of weights[2][3] = (11 - 2.5) / 3 as a little-endian float64, in np.savez's stored member
    const needle = new Uint8Array(Float64Array.of((11 - 2.5) / 3).buffer);
    const at = z.findIndex((_, i) => needle.every((b, j) => z[i + j] === b));
    expect(at).toBeGreaterThan(0);
    z[at] ^= 0x01;
    expect(() => readNpz(z, { name: 's.npz' })).toThrow(/^s\.npz\/\w+\.npy: CRC-32 mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the archive is corrupt$/);
    expect(Object.keys(arrays).length).toBe(4);
  });

  it('safetensors: truncation, gaps, overlaps, bad dtypes, bad JSON', () => {
    const st = writeSafetensors({ a: tensor([1, 2], [2], 'float32'), b: tensor([3], [1], 'float64') });
    for (let cut = 0; cut < st.length; cut++) expect(() => readSafetensors(st.subarray(0, cut))).toThrow(FormatError);
    const make = (header: unknown, dataBytes: number) => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + dataBytes);
      new DataView(out.buffer).setUint32(0, json.length, true);
      out.set(json, 8);
      return out;
    };
    expect(() => readSafetensors(make({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8)))
      .toThrow(/overlaps another/);
    expect(() => readSafetensors(make({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8))).toThrow(/a gap of 4 bytes before tensor "a"/);
    expect(() => readSafetensors(make({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 8))).toThrow(/4 bytes in the data buffer belong to no tensor/);
    expect(() => readSafetensors(make({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8))).toThrow(/span 8 bytes, shape \[3\] of F32 needs 12/);
    expect(() => readSafetensors(make({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, 8))).toThrow(/dtype "C64" is not supported/);
    expect(() => readSafetensors(make({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, 8).fill(0xff, -4))).toThrow(/does not fit int32/);
    expect(() => readSafetensors(make({ __metadata__: { k: 1 } }, 0))).toThrow(/__metadata__ "k" is not a string/);
    expect(() => readSafetensors(make([1, 2], 0))).toThrow(/header is not a JSON object/);
    const notJson = make({}, 0);
    notJson[8] = 0x41;
    expect(() => readSafetensors(notJson)).toThrow(/header is not valid JSON/);
  });
});

// numpy reads what recap writes (live, when python3 and numpy are here; skipped otherwise).
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
describe.skipIf(!hasNumpy)('live: np.load reads recap\'s .npy, .npz (stored and deflated)', () => {
  it('values, shapes and dtypes as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recap-npy-live-'));
    try {
      const arrays: Record<string, Tensor> = {
        f32: tensor([[0.1, -2.5, 3], [4, 5, 6]], undefined, 'float32'),
        f64: tensor(Array.from({ length: 24 }, (_, i) => i / 7 - 1), [2, 3, 4], 'float64'),
        i32: tensor([-2147483648, 0, 2147483647], [3], 'int32'),
        scalar: tensor(2.75, undefined, 'float64'),
        empty: new Tensor(new Float32Array(0), [0, 3]),
      };
      for (const [k, t] of Object.entries(arrays)) writeFileSync(join(dir, `${k}.npy`), writeNpy(t));
      writeFileSync(join(dir, 'stored.npz'), writeNpz(arrays));
      writeFileSync(join(dir, 'deflated.npz'), writeNpz(arrays, { compress: true }));
      const py = [
        'import json, sys, numpy as np',
        `d = ${JSON.stringify(dir)}`,
        'out = {}',
        `for k in ${JSON.stringify(Object.keys(arrays))}:`,
        '    a = np.load(f"{d}/{k}.npy")',
        '    out[k] = [str(a.dtype), list(a.shape), a.astype(np.float64).ravel().tolist()]',
        '    for z in ["stored", "deflated"]:',
        '        b = np.load(f"{d}/{z}.npz")[k]',
        '        assert b.dtype == a.dtype and b.shape == a.shape and np.array_equal(a, b), (z, k)',
        'print(json.dumps(out))',
      ].join('\n');
      const got = JSON.parse(execFileSync('python3', ['-c', py], { encoding: 'utf8' }));
      const npDtype = { float32: 'float32', float64: 'float64', int32: 'int32' };
      for (const [k, t] of Object.entries(arrays)) {
        expect(got[k][0], k).toBe(npDtype[t.dtype]);
        expect(got[k][1], k).toEqual(t.shape);
        expect(got[k][2], k).toEqual(Array.from(t.data));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
