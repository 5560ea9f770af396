// Fuzz: every layers.* function. Each case draws consistent dimensions, builds the arguments,
// then applies one mutation (none, a wrong size, an empty dimension, a wrong rank, a mixed or
// integer dtype, NaN/Inf, an id out of range, a non-tensor, a foreign or forged cache).
// Unmutated calls must work and give finite outputs; mutated ones must work or throw
// RecapError (and must throw for the mutations that are always invalid); inputs are never
// modified.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecapError, Tensor, init, layers, tensor, type DType } from '../../src/index.js';
import { attempt, check, dataCopies, expectUnmodified, idsTensor, notATensor, randTensor } from './fuzz.js';

beforeAll(() => init());

type Kind = 'float' | 'ids' | 'mask';
interface Arg { name: string; kind: Kind; dims: string[] }
interface Forward { name: keyof typeof layers; args: Arg[]; backward?: { name: keyof typeof layers; douts: Arg[] } }

const f = (name: string, ...dims: string[]): Arg => ({ name, kind: 'float', dims });
const FORWARDS: Forward[] = [
  { name: 'affineForward', args: [f('x', 'N', 'D'), f('w', 'D', 'M'), f('b', 'M')], backward: { name: 'affineBackward', douts: [f('dout', 'N', 'M')] } },
  { name: 'rnnStepForward', args: [f('x', 'N', 'D'), f('prevH', 'N', 'H'), f('Wx', 'D', 'H'), f('Wh', 'H', 'H'), f('b', 'H')], backward: { name: 'rnnStepBackward', douts: [f('dnextH', 'N', 'H')] } },
  { name: 'rnnForward', args: [f('x', 'N', 'T', 'D'), f('h0', 'N', 'H'), f('Wx', 'D', 'H'), f('Wh', 'H', 'H'), f('b', 'H')], backward: { name: 'rnnBackward', douts: [f('dh', 'N', 'T', 'H')] } },
  { name: 'lstmStepForward', args: [f('x', 'N', 'D'), f('prevH', 'N', 'H'), f('prevC', 'N', 'H'), f('Wx', 'D', 'G'), f('Wh', 'H', 'G'), f('b', 'G')], backward: { name: 'lstmStepBackward', douts: [f('dnextH', 'N', 'H'), f('dnextC', 'N', 'H')] } },
  { name: 'lstmForward', args: [f('x', 'N', 'T', 'D'), f('h0', 'N', 'H'), f('Wx', 'D', 'G'), f('Wh', 'H', 'G'), f('b', 'G')], backward: { name: 'lstmBackward', douts: [f('dh', 'N', 'T', 'H')] } },
  { name: 'wordEmbeddingForward', args: [{ name: 'x', kind: 'ids', dims: ['N', 'T'] }, f('W', 'V', 'D')], backward: { name: 'wordEmbeddingBackward', douts: [f('dout', 'N', 'T', 'D')] } },
  { name: 'temporalAffineForward', args: [f('x', 'N', 'T', 'D'), f('w', 'D', 'M'), f('b', 'M')], backward: { name: 'temporalAffineBackward', douts: [f('dout', 'N', 'T', 'M')] } },
  { name: 'temporalSoftmaxLoss', args: [f('x', 'N', 'T', 'V'), { name: 'y', kind: 'ids', dims: ['N', 'T'] }, { name: 'mask', kind: 'mask', dims: ['N', 'T'] }] },
];

type Mutation =
  | { kind: 'none' }
  | { kind: 'resize'; arg: number; axis: number; delta: number } // may still be consistent (a letter bound once)
  | { kind: 'empty'; arg: number; axis: number }
  | { kind: 'rank'; arg: number; extra: boolean }
  | { kind: 'dtype'; arg: number; to: DType }
  | { kind: 'nonfinite'; arg: number; at: number; value: number }
  | { kind: 'id'; arg: number; at: number; value: number }
  | { kind: 'wrongType'; arg: number; value: unknown };

const mutationArb = (nArgs: number): fc.Arbitrary<Mutation> => {
  const arg = fc.nat({ max: nArgs - 1 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'none' } as Mutation) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('resize' as const), arg, axis: fc.nat({ max: 3 }), delta: fc.constantFrom(-1, 1, 3) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('empty' as const), arg, axis: fc.nat({ max: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('rank' as const), arg, extra: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('dtype' as const), arg, to: fc.constantFrom<DType>('float32', 'float64', 'int32') }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('nonfinite' as const), arg, at: fc.nat(), value: fc.constantFrom(NaN, Infinity, -Infinity) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('id' as const), arg, at: fc.nat(), value: fc.oneof(fc.integer({ min: -3, max: -1 }), fc.integer({ min: 0, max: 40 }), fc.constantFrom(2 ** 31 - 1, -(2 ** 31))) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('wrongType' as const), arg, value: notATensor }) },
  ) as fc.Arbitrary<Mutation>;
};

const dimsArb = fc.record({
  N: fc.integer({ min: 1, max: 4 }), T: fc.integer({ min: 1, max: 4 }), D: fc.integer({ min: 1, max: 6 }),
  H: fc.integer({ min: 1, max: 5 }), M: fc.integer({ min: 1, max: 5 }), V: fc.integer({ min: 1, max: 7 }),
});

function build(arg: Arg, sizes: Record<string, number>, dtype: DType, seed: number): Tensor {
  const shape = arg.dims.map((d) => sizes[d]);
  if (arg.kind === 'ids') return idsTensor(shape, sizes.V, seed);
  if (arg.kind === 'mask') return idsTensor(shape, 2, seed);
  return randTensor(shape, dtype, seed, 0.5);
}

/** Applies a mutation; returns the arguments and whether the call must fail. */
function mutate(args: Tensor[], specs: Arg[], m: Mutation, sizes: Record<string, number>, dtype: DType, seed: number): { args: unknown[]; mustFail: boolean } {
  const out: unknown[] = [...args];
  if (m.kind === 'none') return { args: out, mustFail: false };
  const i = m.arg % args.length;
  const t = args[i];
  const spec = specs[i];
  const rebuilt = (shape: number[], dt: DType = t.dtype) =>
    spec.kind === 'float' && dt !== 'int32' ? randTensor(shape, dt, seed + 1, 0.5) : idsTensor(shape, Math.max(1, spec.kind === 'mask' ? 2 : sizes.V), seed + 1);
  switch (m.kind) {
    case 'resize': {
      const shape = [...t.shape];
      const axis = m.axis % shape.length;
      shape[axis] = Math.max(1, shape[axis] + m.delta);
      out[i] = rebuilt(shape);
      return { args: out, mustFail: false };
    }
    case 'empty': {
      const shape = [...t.shape];
      shape[m.axis % shape.length] = 0;
      out[i] = rebuilt(shape);
      return { args: out, mustFail: true };
    }
    case 'rank': {
      const shape = m.extra ? [...t.shape, 1] : t.shape.slice(1);
      out[i] = rebuilt(shape);
      // affineForward takes x (N, d1, ..., dk): an extra trailing 1 keeps it valid
      return { args: out, mustFail: !(m.extra && specs[0].name === 'x' && i === 0 && specs.length === 3 && specs[1].name === 'w' && spec.dims.length === 2) };
    }
    case 'dtype': {
      if (spec.kind === 'float') {
        if (m.to === t.dtype) return { args: out, mustFail: false };
        out[i] = m.to === 'int32' ? tensor(Array.from(t.data, (v) => Math.round(v)), [...t.shape], 'int32') : t.clone(m.to);
        // the only float input of a call may change dtype freely
        const floats = specs.filter((s) => s.kind === 'float').length;
        return { args: out, mustFail: m.to === 'int32' || floats > 1 };
      }
      if (m.to === 'int32') return { args: out, mustFail: false };
      out[i] = t.clone(m.to);
      return { args: out, mustFail: true };
    }
    case 'nonfinite': {
      if (spec.kind !== 'float') return { args: out, mustFail: false };
      const c = t.clone();
      c.data[m.at % c.size] = m.value;
      out[i] = c;
      return { args: out, mustFail: true };
    }
    case 'id': {
      if (spec.kind === 'float') return { args: out, mustFail: false };
      const c = t.clone();
      c.data[m.at % c.size] = m.value;
      const limit = spec.kind === 'mask' ? 2 : sizes.V;
      out[i] = c;
      return { args: out, mustFail: m.value < 0 || m.value >= limit };
    }
    case 'wrongType':
      out[i] = m.value;
      return { args: out, mustFail: !(m.value instanceof Tensor) };
  }
}

function expectFiniteTensors(result: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(result)) {
    if (v instanceof Tensor && v.dtype !== 'int32') {
      for (let i = 0; i < v.size; i++) if (!Number.isFinite(v.data[i])) throw new Error(`${k}[${i}] = ${v.data[i]}`);
    }
    if (k === 'loss' && !Number.isFinite(v as number)) throw new Error(`loss = ${v}`);
  }
}

const call = (name: keyof typeof layers, args: unknown[]) => (layers[name] as (...a: unknown[]) => Record<string, unknown>)(...args);

describe('fuzz: layers forward', () => {
  it.each(FORWARDS.map((fw) => [fw.name, fw] as const))('%s: works or throws RecapError, never traps', (_name, fw) => {
    check(`layers.${fw.name}`, fc.tuple(dimsArb, fc.constantFrom<DType>('float32', 'float64'), fc.nat(), mutationArb(fw.args.length)),
      ([dims, dtype, seed, m]) => {
        const sizes = { ...dims, G: 4 * dims.H };
        const good = fw.args.map((a, i) => build(a, sizes, dtype, seed + i));
        const { args, mustFail } = mutate(good, fw.args, m, sizes, dtype, seed);
        const before = dataCopies(args);
        const r = attempt(() => call(fw.name, args));
        expectUnmodified(args, before);
        if (m.kind === 'none' && !r.ok) throw new Error(`valid call failed: ${r.error.message}`);
        if (mustFail && r.ok) throw new Error(`invalid call accepted (${JSON.stringify(m)})`);
        if (r.ok) {
          expectFiniteTensors(r.value);
          if (m.kind === 'none') {
            for (const v of Object.values(r.value)) if (v instanceof Tensor) expect(v.dtype).toBe(dtype);
          }
        }
      });
  });
});

describe('fuzz: layers backward', () => {
  const withBackward = FORWARDS.filter((fw) => fw.backward);
  const caches = new Map<string, unknown>();
  beforeAll(() => {
    // one genuine cache of every kind, for the "cache of another layer" mutation
    for (const fw of withBackward) {
      const sizes = { N: 2, T: 2, D: 3, H: 2, M: 2, V: 4, G: 8 };
      caches.set(fw.name, call(fw.name, fw.args.map((a, i) => build(a, sizes, 'float64', i))).cache);
    }
  });
  const cacheMutation = fc.oneof(
    { weight: 6, arbitrary: fc.constant<{ kind: 'own' }>({ kind: 'own' }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('other' as const), which: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('forged' as const), as: fc.constantFrom(...withBackward.map((fw) => fw.name)), extra: fc.anything({ maxDepth: 1 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk' as const), value: notATensor }) },
  );
  it.each(withBackward.map((fw) => [fw.backward!.name, fw] as const))('%s: works or throws RecapError, never traps', (_name, fw) => {
    const bw = fw.backward!;
    check(`layers.${bw.name}`, fc.tuple(dimsArb, fc.constantFrom<DType>('float32', 'float64'), fc.nat(), mutationArb(bw.douts.length), cacheMutation),
      ([dims, dtype, seed, m, cm]) => {
        const sizes = { ...dims, G: 4 * dims.H };
        const fwd = call(fw.name, fw.args.map((a, i) => build(a, sizes, dtype, seed + i)));
        const douts = bw.douts.map((a, i) => build(a, sizes, dtype, seed + 10 + i));
        const { args, mustFail } = mutate(douts, bw.douts, m, sizes, dtype, seed);
        let cache: unknown = fwd.cache;
        let cacheBad = false;
        if (cm.kind === 'other') {
          const others = withBackward.filter((o) => o.name !== fw.name);
          cache = caches.get(others[cm.which % others.length].name);
          cacheBad = true;
        } else if (cm.kind === 'forged') {
          cache = { kind: cm.as, t: cm.extra, dims: cm.extra, dtype };
          cacheBad = true;
        } else if (cm.kind === 'junk') {
          cache = cm.value;
          cacheBad = true;
        }
        const all = [...args, cache];
        const before = dataCopies(all);
        const r = attempt(() => call(bw.name, all));
        expectUnmodified(all, before);
        if (m.kind === 'none' && !cacheBad && !r.ok) throw new Error(`valid call failed: ${r.error.message}`);
        if ((mustFail || cacheBad) && r.ok) throw new Error(`invalid call accepted (${JSON.stringify(m)}, cache ${cm.kind})`);
        if (r.ok) expectFiniteTensors(r.value);
      });
  });

  it('regression: a forged cache object is refused with RecapError (it used to throw TypeError)', () => {
    expect(() => layers.affineBackward(tensor([1], [1, 1], 'float64'), { kind: 'affineForward' })).toThrow(RecapError);
    expect(() => layers.lstmBackward(tensor([1], [1, 1, 1], 'float64'), { kind: 'lstmForward', dims: {}, t: {} } as never)).toThrow(RecapError);
  });
});

// ---------------------------------------------------------------------------------------------
// The convolutional layers: a param object after the tensors, and shapes whose output size must
// divide evenly, so their dimensions are drawn from the output side (the unmutated call is
// valid) and the param object is mutated too (a value nudged, or replaced by junk).

interface ConvForward extends Forward {
  sizes: (d: ConvDims) => Record<string, number>;
  param?: (d: ConvDims) => Record<string, unknown>;
  anyRank?: boolean; // reluForward takes x of any rank
}
type ConvDims = { N: number; C: number; F: number; KH: number; KW: number; Ho: number; Wo: number; stride: number; pad: number; train: boolean };

const convDimsArb: fc.Arbitrary<ConvDims> = fc.record({
  N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 3 }), F: fc.integer({ min: 1, max: 4 }),
  KH: fc.integer({ min: 1, max: 3 }), KW: fc.integer({ min: 1, max: 3 }), Ho: fc.integer({ min: 1, max: 4 }),
  Wo: fc.integer({ min: 1, max: 5 }), stride: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 2 }), train: fc.boolean(),
});
/** The shape letters of a draw (its numbers). */
const letters = ({ train: _train, ...sizes }: ConvDims): Record<string, number> => sizes;
/** The largest pad (≤ d.pad) that keeps H and W ≥ 1. */
const convPad = (d: ConvDims) => Math.min(d.pad, Math.floor(((d.Ho - 1) * d.stride + d.KH - 1) / 2), Math.floor(((d.Wo - 1) * d.stride + d.KW - 1) / 2));
const CONV_FORWARDS: ConvForward[] = [
  {
    name: 'convForward', args: [f('x', 'N', 'C', 'H', 'W'), f('w', 'F', 'C', 'KH', 'KW'), f('b', 'F')],
    backward: { name: 'convBackward', douts: [f('dout', 'N', 'F', 'Ho', 'Wo')] },
    sizes: (d) => ({ ...letters(d), H: (d.Ho - 1) * d.stride + d.KH - 2 * convPad(d), W: (d.Wo - 1) * d.stride + d.KW - 2 * convPad(d) }),
    param: (d) => ({ stride: d.stride, pad: convPad(d) }),
  },
  {
    name: 'maxPoolForward', args: [f('x', 'N', 'C', 'H', 'W')], backward: { name: 'maxPoolBackward', douts: [f('dout', 'N', 'C', 'Ho', 'Wo')] },
    sizes: (d) => ({ ...letters(d), H: (d.Ho - 1) * d.stride + d.KH, W: (d.Wo - 1) * d.stride + d.KW }),
    param: (d) => ({ poolHeight: d.KH, poolWidth: d.KW, stride: d.stride }),
  },
  {
    name: 'reluForward', args: [f('x', 'N', 'C', 'Ho', 'Wo')], backward: { name: 'reluBackward', douts: [f('dout', 'N', 'C', 'Ho', 'Wo')] },
    sizes: letters, anyRank: true,
  },
  {
    name: 'spatialBatchnormForward', args: [f('x', 'N', 'C', 'Ho', 'Wo'), f('gamma', 'C'), f('beta', 'C')],
    backward: { name: 'spatialBatchnormBackward', douts: [f('dout', 'N', 'C', 'Ho', 'Wo')] },
    sizes: letters, param: (d) => ({ mode: d.train ? 'train' : 'test' }),
  },
];

type ParamMutation = { kind: 'none' } | { kind: 'nudge'; which: number; delta: number } | { kind: 'junk'; value: unknown };
const paramMutationArb: fc.Arbitrary<ParamMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' } as ParamMutation) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('nudge' as const), which: fc.nat(), delta: fc.constantFrom(-3, -1, 1, 0.5, NaN) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk' as const), value: notATensor }) },
);
function mutateParam(p: Record<string, unknown> | undefined, m: ParamMutation): unknown {
  if (m.kind === 'none' || p === undefined) return p && { ...p };
  if (m.kind === 'junk') return m.value;
  const keys = Object.keys(p);
  const key = keys[m.which % keys.length];
  return { ...p, [key]: typeof p[key] === 'number' ? (p[key] as number) + m.delta : 'eval' };
}
const withParam = (fw: ConvForward, tensors: unknown[], param: unknown) => (fw.param ? [...tensors, param] : tensors);

describe('fuzz: convolutional layers forward', () => {
  it.each(CONV_FORWARDS.map((fw) => [fw.name, fw] as const))('%s: works or throws RecapError, never traps; a refused call changes nothing', (_name, fw) => {
    check(`layers.${fw.name}`, fc.tuple(convDimsArb, fc.constantFrom<DType>('float32', 'float64'), fc.nat(), mutationArb(fw.args.length), paramMutationArb),
      ([d, dtype, seed, m, pm]) => {
        const sizes = fw.sizes(d);
        const good = fw.args.map((a, i) => build(a, sizes, dtype, seed + i));
        const mutated = mutate(good, fw.args, m, sizes, dtype, seed);
        const mustFail = mutated.mustFail && !(fw.anyRank && m.kind === 'rank');
        const param = mutateParam(fw.param?.(d), pm);
        const plain = !!param && Object.getPrototypeOf(param) === Object.prototype;
        const paramBefore = plain ? { ...(param as object) } : param;
        const args = withParam(fw, mutated.args, param);
        const before = dataCopies(args);
        const r = attempt(() => call(fw.name, args));
        expectUnmodified(args, before);
        if (m.kind === 'none' && pm.kind === 'none' && !r.ok) throw new Error(`valid call failed: ${r.error.message}`);
        if (mustFail && r.ok) throw new Error(`invalid call accepted (${JSON.stringify(m)})`);
        if (!r.ok && plain) expect(param).toEqual(paramBefore);
        if (r.ok) {
          expectFiniteTensors(r.value);
          if (m.kind === 'none') for (const v of Object.values(r.value)) if (v instanceof Tensor) expect(v.dtype).toBe(dtype);
        }
      });
  });
});

describe('fuzz: convolutional layers backward', () => {
  const caches = new Map<string, unknown>();
  const d0: ConvDims = { N: 2, C: 2, F: 2, KH: 2, KW: 1, Ho: 2, Wo: 3, stride: 1, pad: 1, train: true };
  beforeAll(() => {
    for (const fw of CONV_FORWARDS) {
      const sizes = fw.sizes(d0);
      caches.set(fw.name, call(fw.name, withParam(fw, fw.args.map((a, i) => build(a, sizes, 'float64', i)), fw.param?.(d0))).cache);
    }
    caches.set('affineForward', layers.affineForward(tensor([1, 2], [1, 2], 'float64'), tensor([1, 2], [2, 1], 'float64'), tensor([0], [1], 'float64')).cache);
  });
  const cacheMutation = fc.oneof(
    { weight: 6, arbitrary: fc.constant<{ kind: 'own' }>({ kind: 'own' }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('other' as const), which: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('forged' as const), as: fc.constantFrom(...CONV_FORWARDS.map((fw) => fw.name)), extra: fc.anything({ maxDepth: 1 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk' as const), value: notATensor }) },
  );
  it.each(CONV_FORWARDS.map((fw) => [fw.backward!.name, fw] as const))('%s: works or throws RecapError, never traps', (_name, fw) => {
    const bw = fw.backward!;
    check(`layers.${bw.name}`, fc.tuple(convDimsArb, fc.constantFrom<DType>('float32', 'float64'), fc.nat(), mutationArb(bw.douts.length), cacheMutation),
      ([d, dtype, seed, m, cm]) => {
        const sizes = fw.sizes(d);
        const fwd = call(fw.name, withParam(fw, fw.args.map((a, i) => build(a, sizes, dtype, seed + i)), fw.param?.(d)));
        const { args, mustFail } = mutate(bw.douts.map((a, i) => build(a, sizes, dtype, seed + 10 + i)), bw.douts, m, sizes, dtype, seed);
        let cache: unknown = fwd.cache;
        if (cm.kind === 'other') {
          const others = [...caches.keys()].filter((k) => k !== fw.name);
          cache = caches.get(others[cm.which % others.length]);
        } else if (cm.kind === 'forged') cache = { kind: cm.as, t: cm.extra, dims: cm.extra, dtype };
        else if (cm.kind === 'junk') cache = cm.value;
        const all = [...args, cache];
        const before = dataCopies(all);
        const r = attempt(() => call(bw.name, all));
        expectUnmodified(all, before);
        if (m.kind === 'none' && cm.kind === 'own' && !r.ok) throw new Error(`valid call failed: ${r.error.message}`);
        if ((mustFail || cm.kind !== 'own') && r.ok) throw new Error(`invalid call accepted (${JSON.stringify(m)}, cache ${cm.kind})`);
        if (r.ok) expectFiniteTensors(r.value);
      });
  });
});
