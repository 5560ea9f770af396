// Fuzz of the interop readers: damaged .npy / .npz / safetensors / .pth bytes (cuts, bit flips,
// byte edits, inserted bytes) and random pickles either read or throw FormatError (never a
// TypeError, RangeError or a plain Error), each quickly, and random tensors round-trip through
// every writer bit for bit.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { beforeAll } from 'vitest';
import {
  CaptioningRNN, FormatError, RecapError, Tensor, init, modelFromParams, readNpy, readNpz, readPth, readSafetensors, readStateDict, tensor, writeNpy, writeNpz,
  writeSafetensors, type DType,
} from '../../src/index.js';
import { readPickle } from '../../src/interop/pickle.js';
import { StorageRef, TORCH_GLOBALS } from '../../src/interop/torch-pickle.js';
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

describe('.pth and pickle readers fuzz', () => {
  const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/pth/${name}`, import.meta.url)));
  const pths = ['small_zip.pth', 'small_legacy.pth', 'small_tar.pth', 'small_protocol4.pth', 'small_legacy_protocol5.pth', 'evil_os_system_legacy.pth'].map(fixture);
  /** Runs a reader on damaged bytes: it reads or throws FormatError, within a second (no hang, nothing quadratic). */
  const readsOrRefuses = (read: () => Tensor[]) => {
    const t0 = performance.now();
    const r = attempt(read, [FormatError]);
    expect(performance.now() - t0).toBeLessThan(1000);
    if (r.ok) r.value.forEach(expectValid);
  };

  it('damaged .pth files (zip, legacy and tar) read or throw FormatError', () => {
    check('pth damaged', fc.tuple(fc.constantFrom(...pths), fc.array(damageArb, { minLength: 1, maxLength: 3 })), ([bytes, ds]) => {
      const bad = damage(bytes, ds);
      readsOrRefuses(() => Object.values(readStateDict(bad)));
    }, 2);
  });

  it('a damaged data.pkl or storage inside a well-formed zip (CRCs recomputed) reads or throws FormatError', () => {
    const members = unzipSync(fixture('small_zip.pth'));
    const names = Object.keys(members).filter((m) => m.endsWith('data.pkl') || m.includes('/data/'));
    check('pth member damaged', fc.tuple(fc.constantFrom(...names), fc.array(damageArb, { minLength: 1, maxLength: 4 })), ([name, ds]) => {
      const bad = zipSync({ ...members, [name]: damage(members[name], ds) }, { level: 0 });
      readsOrRefuses(() => Object.values(readPth(bad)));
    }, 2);
  });

  it('random opcode sequences read or throw FormatError', () => {
    // opcodes, small arguments and the bytes of the accepted and refused globals' names
    const alphabet = [...Array.from({ length: 0x1a }, (_, i) => 0x80 + i), ...Buffer.from('()0125FGIJKLMNPQRSTUXabcdeghijlopqrstu}]'), 0, 1, 2, 3, 4, 0xff, 0x0a,
      ...Buffer.from('torch._utils\n_rebuild_tensor_v2\ncollections\nOrderedDict\nos\nsystem\nstorage\n')];
    const pid = new StorageRef('0', 'FloatStorage', { kind: 'f', size: 4, littleEndian: true }, 4);
    check('pickle opcodes', fc.array(fc.constantFrom(...alphabet), { maxLength: 80 }), (ops) => {
      const bytes = Uint8Array.from([0x80, 2, ...ops]);
      const t0 = performance.now();
      attempt(() => readPickle(bytes, { file: 'fuzz.pkl', globals: TORCH_GLOBALS, persistentLoad: () => pid }), [FormatError]);
      expect(performance.now() - t0).toBeLessThan(1000);
    }, 5);
  });
});

describe('modelFromParams fuzz', () => {
  let good: Record<string, Tensor>;
  const VOCAB = { '<NULL>': 0, '<START>': 1, '<END>': 2, a: 3, b: 4 };
  beforeAll(async () => {
    await init();
    const m = new CaptioningRNN({ wordToIdx: VOCAB, inputDim: 4, wordvecDim: 3, hiddenDim: 2, cellType: 'lstm', dtype: 'float64', seed: 1 });
    good = m.getParams();
    m.dispose();
  });

  /** One mutation of a parameter set: drop or add a name, reshape, retype, poison a value. */
  const mutationArb = fc.oneof(
    fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('add' as const), name: fc.constantFrom('W_extra', 'toString', '__proto__', 'w_proj', '') }),
    fc.record({ kind: fc.constant('shape' as const), pick: fc.nat(), dims: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('dtype' as const), pick: fc.nat(), dtype: fc.constantFrom<DType>('float32', 'int32') }),
    fc.record({ kind: fc.constant('poison' as const), pick: fc.nat(), at: fc.nat(), value: fc.constantFrom(NaN, Infinity, -Infinity, 1e300) }),
  );

  it('any mutation gives a model of the right shapes or a typed error', () => {
    const arb = fc.tuple(fc.array(mutationArb, { maxLength: 3 }), fc.constantFrom(undefined, 'rnn', 'lstm'), fc.constantFrom(undefined, 'float32', 'float64'),
      fc.constantFrom(VOCAB, { '<NULL>': 0, a: 1 }));
    check('interop modelFromParams', arb, ([ms, cellType, dtype, wordToIdx]) => {
      const p: Record<string, Tensor> = { ...good };
      for (const m of ms) {
        const names = Object.keys(p);
        const name = names.length ? names[('pick' in m ? m.pick : 0) % names.length] : 'W_proj';
        if (m.kind === 'drop') delete p[name];
        else if (m.kind === 'add') Object.defineProperty(p, m.name, { value: tensor([1], [1], 'float64'), enumerable: true, configurable: true, writable: true });
        else if (m.kind === 'shape' && p[name]) {
          const n = m.dims.reduce((a, b) => a * b, 1);
          p[name] = tensor(Array.from({ length: n }, (_, i) => i / 10), m.dims, 'float64');
        } else if (m.kind === 'dtype' && p[name]) p[name] = p[name].clone(m.dtype === 'int32' ? 'int32' : 'float32');
        else if (m.kind === 'poison' && p[name] && p[name].size > 0 && p[name].dtype !== 'int32') {
          const t = p[name].clone();
          t.data[m.at % t.size] = m.value;
          p[name] = t;
        }
      }
      const r = attempt(() => modelFromParams(p, { wordToIdx, cellType: cellType as 'rnn' | 'lstm' | undefined, dtype: dtype as 'float32' | 'float64' | undefined }), [FormatError, RecapError]);
      if (r.ok) {
        const got = r.value.getParams();
        for (const k of Object.keys(got) as (keyof typeof got)[]) expect(got[k].shape, k).toEqual(p[k].shape);
        r.value.dispose();
      }
    });
  });
});
